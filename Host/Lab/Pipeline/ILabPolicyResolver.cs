using Npa.Host.Lab.Output;
using Npa.Resolver.MapState;

namespace Npa.Host.Lab.Pipeline;

/// <summary>The resolver as the lab uses it: desired per-pod state, and the expected matrix to compare with.</summary>
public interface ILabPolicyResolver
{
    IReadOnlyList<PodPolicy> Resolve(LabCluster cluster);

    /// <summary>What the policies say for each probe (null cells: a named port the destination lacks).</summary>
    ConnectivityReport Expect(LabCluster cluster, IReadOnlyList<LabProbe> probes);
}
