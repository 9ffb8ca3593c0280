using Npa.Host.Lab.Output;
using Npa.Resolver.MapState;

namespace Npa.Host.Lab.Pipeline;

/// <summary>The resolver as the lab uses it: desired per-pod state, and the expected matrix to compare with.</summary>
public interface ILabPolicyResolver
{
    /// <summary>False when no resolver is available: nothing is resolved and nothing can be verified.</summary>
    bool Available { get; }

    IReadOnlyList<PodPolicy> Resolve(LabCluster cluster);

    /// <summary>What the policies say for each probe (null cells: a named port the destination lacks); null when unavailable.</summary>
    ConnectivityReport? Expect(LabCluster cluster, IReadOnlyList<LabProbe> probes);
}

/// <summary>Stands in while no resolver is built in: resolves nothing, expects nothing.</summary>
public sealed class UnavailablePolicyResolver : ILabPolicyResolver
{
    public bool Available => false;

    public IReadOnlyList<PodPolicy> Resolve(LabCluster cluster) => [];

    public ConnectivityReport? Expect(LabCluster cluster, IReadOnlyList<LabProbe> probes) => null;
}
