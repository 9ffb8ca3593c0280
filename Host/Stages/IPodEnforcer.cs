using Npa.Enforcer;
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

    /// <summary>
    /// After the first full list of pods: removes the pods the enforcer found already programmed when
    /// the agent started (pinned state) that are not in <paramref name="listed"/> (the node's pods now)
    /// or are known under another uid, so pods deleted while the agent was down lose their programs.
    /// Pods set up since the start are left alone. Returns the pods removed.
    /// </summary>
    IReadOnlyList<ObjectRef> RemoveStalePods(IReadOnlySet<ObjectRef> listed) => [];

    /// <summary>Pods and map entries programmed now (for metrics).</summary>
    (int Pods, long Entries) Programmed { get; }

    /// <summary>Cumulative packet verdicts, or null when the enforcer keeps none.</summary>
    VerdictCounts? Verdicts { get; }
}
