using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Host.Lab.Pipeline;

/// <summary>
/// Programs a pod's policy on its host veth in the lab's node namespace. Implementations: the eBPF
/// enforcer, or <see cref="UnenforcedPodEnforcer"/> when none is available.
/// </summary>
public interface IPodEnforcer : IDisposable
{
    /// <summary>Short description for status output, e.g. "eBPF (tcx)".</summary>
    string Description { get; }

    /// <summary>False when this enforcer does not filter traffic at all.</summary>
    bool Enforces { get; }

    /// <summary>Attaches to the pod's host veth (idempotent).</summary>
    void EnsurePod(LabPod pod);

    /// <summary>Makes the pod's programmed state equal <paramref name="policy"/>.</summary>
    void Apply(PodPolicy policy);

    void RemovePod(ObjectRef pod);

    /// <summary>Denied-flow lines observed since the last call (flow-log JSON), for the demo; empty when unknown.</summary>
    IReadOnlyList<string> DrainDeniedFlows();
}

/// <summary>Where an enforcer for a lab's node namespace is created.</summary>
public sealed record LabEnforcerContext(string NodeNetns, string BpfRoot, bool Strict, string FlowLogDirectory);

/// <summary>Creates the lab's enforcer.</summary>
public delegate IPodEnforcer PodEnforcerFactory(LabEnforcerContext context);

/// <summary>Accepts everything and filters nothing: traffic is never blocked.</summary>
public sealed class UnenforcedPodEnforcer : IPodEnforcer
{
    public string Description => "none (no enforcer in this build: traffic is not filtered)";

    public bool Enforces => false;

    public void EnsurePod(LabPod pod)
    {
    }

    public void Apply(PodPolicy policy)
    {
    }

    public void RemovePod(ObjectRef pod)
    {
    }

    public IReadOnlyList<string> DrainDeniedFlows() => [];

    public void Dispose()
    {
    }
}
