using Npa.Enforcer;
using Npa.Host.Cni;
using Npa.Host.Metrics;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Host.Stages;

/// <summary>
/// <see cref="IPodEnforcer"/> on the kernel: the <see cref="NodeEnforcer"/> facade, keyed by pod
/// identity (namespace/name/uid). A pod the pipeline programs before any CNI call (present before
/// the agent started) is attached first on the host veth the CNI naming rule gives it. Host veths
/// live in the agent's own network namespace, or in <paramref name="hostVethNetns"/> (a path such as
/// <c>/run/netns/node</c>) when the node is itself a namespace, as in the lab.
/// </summary>
public sealed class NodePodEnforcer(NodeEnforcer enforcer, EnforcingMode defaultMode, Func<ObjectRef, string?> uidOf, string? hostVethNetns = null) : IPodEnforcer
{
    /// <summary>Used when the uid is not known yet (a CNI ADD that beats the pod's watch event).</summary>
    public const string UnknownUid = "unknown";

    /// <summary>Pods adopted from the pinned registry when the enforcer was opened, before this agent programmed anything.</summary>
    private readonly HashSet<PodKey> _adopted = enforcer.Pods().Select(p => p.Pod).ToHashSet();

    public (int Pods, long Entries) Programmed
    {
        get
        {
            IReadOnlyList<PodStatus> pods = enforcer.Pods();
            return (pods.Count, pods.Sum(p => (long)(p.Programmed.Peers.Count + p.Programmed.Ports.Count)));
        }
    }

    public VerdictCounts? Verdicts
    {
        get
        {
            EnforcerStats stats = enforcer.ReadStats();
            return new VerdictCounts(stats.IngressAllow, stats.IngressDeny, stats.EgressAllow, stats.EgressDeny);
        }
    }

    public void EnsurePod(ObjectRef pod, IReadOnlyList<string> hostVeths, EnforcingMode mode)
    {
        ArgumentNullException.ThrowIfNull(hostVeths);
        PodKey key = KeyOf(pod);
        // The enforcer programs a pod on one veth: the primary interface carries its pod IPs.
        enforcer.EnsurePod(key, new PodAttachment(hostVeths[0], hostVethNetns), mode);
    }

    public void Apply(PodPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        PodKey key = KeyOf(policy.Pod);
        if (enforcer.GetPod(key) is null)
        {
            enforcer.EnsurePod(key, new PodAttachment(HostVethName.For(policy.Pod.Namespace, policy.Pod.Name), hostVethNetns), defaultMode);
        }

        enforcer.Apply(key, policy);
    }

    public bool RemovePod(ObjectRef pod)
    {
        bool any = false;
        foreach (PodStatus status in enforcer.Pods().Where(p => p.Pod.Ref == pod))
        {
            any |= enforcer.RemovePod(status.Pod);
        }

        return any;
    }

    public IReadOnlyList<ObjectRef> RemoveStalePods(IReadOnlySet<ObjectRef> listed)
    {
        ArgumentNullException.ThrowIfNull(listed);
        HashSet<PodKey> keep = enforcer.Pods().Select(p => p.Pod).Where(k => !_adopted.Contains(k) || (listed.Contains(k.Ref) && SameUid(k))).ToHashSet();
        return enforcer.RemovePodsExcept(keep).Select(k => k.Ref).ToList();
    }

    /// <summary>False when the pod's name now belongs to another pod (deleted and re-created while the agent was down).</summary>
    private bool SameUid(PodKey key) => uidOf(key.Ref) is not { Length: > 0 } uid || uid == key.Uid;

    private PodKey KeyOf(ObjectRef pod)
    {
        string? uid = uidOf(pod);
        if (string.IsNullOrEmpty(uid))
        {
            uid = enforcer.Pods().FirstOrDefault(p => p.Pod.Ref == pod)?.Pod.Uid ?? UnknownUid;
        }

        return new PodKey(pod.Namespace, pod.Name, uid);
    }
}
