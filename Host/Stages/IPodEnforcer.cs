using Npa.Host.Metrics;
using Npa.Host.Options;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Host.Stages;

/// <summary>What the pipeline and the CNI handshake need of the node's enforcer.</summary>
public interface IPodEnforcer
{
    /// <summary>
    /// Makes sure the pod's host veth carries a program before the CNI plugin is answered; in strict
    /// mode that program denies everything until <see cref="Apply"/> programs the pod's policy.
    /// </summary>
    void EnsurePod(ObjectRef pod, IReadOnlyList<string> hostVeths, EnforcingMode mode);

    /// <summary>Programs the pod's desired policy.</summary>
    void Apply(PodPolicy policy);

    /// <summary>Forgets the pod and detaches its programs; false when it was not known.</summary>
    bool RemovePod(ObjectRef pod);

    /// <summary>Pods and map entries programmed now (for metrics).</summary>
    (int Pods, long Entries) Programmed { get; }

    /// <summary>Cumulative packet verdicts, or null when the enforcer keeps none.</summary>
    VerdictCounts? Verdicts { get; }
}
