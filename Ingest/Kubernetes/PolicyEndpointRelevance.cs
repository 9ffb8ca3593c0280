using Npa.Resolver.Model;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// Keeps, on a node agent, only the PolicyEndpoints of policies that select a pod of this node.
/// <para>
/// The EKS agent caches every PolicyEndpoint in the cluster. Objects that no controller labelled
/// for their nodes (docs/distribution.md) are still all watched (the API cannot filter on list
/// contents), but only policies with at least one
/// PolicyEndpoint whose <c>podSelectorEndpoints</c> name a local pod are held and reported, and
/// then with all their chunks (a chunk may carry rules but none of the node's pods). For the rest,
/// only name → policy is remembered. When a policy gains its first local pod, its other chunks are
/// fetched again; when it loses its last, they are reported deleted.
/// </para>
/// A pod endpoint is local when its hostIP is one of the node's addresses (given, or learned from
/// the node's pods) or when it names a pod the node's pod informer has seen.
/// <para>
/// This filter judges the unlabelled slice (<see cref="PolicyEndpointNodeLabels.Unmarked"/>). A policy
/// with a chunk in the node's labelled slice (seen through <see cref="NodeScopedObserver"/>) is
/// relevant too, so while a controller migrates a policy's chunks to labels one by one, the chunks
/// still unlabelled are not dropped for naming none of the node's pods.
/// </para>
/// </summary>
public sealed class PolicyEndpointRelevance : IInformerFilter<PolicyEndpointSpec>
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _nodeIps = new(StringComparer.Ordinal);
    private readonly HashSet<ObjectRef> _localPods = [];
    private readonly Dictionary<ObjectRef, PolicyReference> _policyOf = [];
    private readonly Dictionary<PolicyReference, HashSet<ObjectRef>> _chunks = [];
    private readonly Dictionary<PolicyReference, HashSet<ObjectRef>> _localChunks = [];
    private readonly List<ObjectRef> _revisits = [];
    private readonly Dictionary<ObjectRef, PolicyReference> _scopedPolicyOf = [];
    private readonly Dictionary<PolicyReference, int> _scopedChunks = [];

    public PolicyEndpointRelevance(string nodeName, IEnumerable<string>? nodeIps = null)
    {
        NodeName = nodeName;
        foreach (string ip in nodeIps ?? [])
        {
            _nodeIps.Add(ip);
        }
    }

    public string NodeName { get; }

    /// <summary>Observes a pod of this node (its identity and host address).</summary>
    public void ObservePod(PodInfo pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        lock (_gate)
        {
            _localPods.Add(pod.Ref);
            if (!string.IsNullOrEmpty(pod.HostIp))
            {
                _nodeIps.Add(pod.HostIp);
            }
        }
    }

    /// <summary>A filter for the node's pod informer that keeps every pod and observes it.</summary>
    public IInformerFilter<PodInfo> PodObserver => new Observer(this);

    /// <summary>
    /// A filter for the node's labelled PolicyEndpoint slice: keeps every object (the controller's
    /// labels already say the node needs it) and notes its policy as relevant here.
    /// </summary>
    public IInformerFilter<PolicyEndpointSpec> NodeScopedObserver => new ScopedObserver(this);

    public bool Keep(ObjectRef key, PolicyEndpointSpec value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            bool local = value.PodSelectorEndpoints.Any(e =>
                _nodeIps.Contains(e.HostIp) || _localPods.Contains(new ObjectRef(e.Namespace, e.Name)));
            PolicyReference policy = value.PolicyRef;
            if (_policyOf.TryGetValue(key, out PolicyReference? previous) && previous != policy)
            {
                RemoveLocked(key);
            }

            _policyOf[key] = policy;
            Set(_chunks, policy).Add(key);
            HashSet<ObjectRef> locals = Set(_localChunks, policy);
            bool wasRelevant = locals.Count > 0 || _scopedChunks.ContainsKey(policy);
            if (local)
            {
                locals.Add(key);
            }
            else
            {
                locals.Remove(key);
            }

            bool relevant = locals.Count > 0 || _scopedChunks.ContainsKey(policy);
            if (relevant != wasRelevant)
            {
                _revisits.AddRange(_chunks[policy].Where(k => k != key));
            }

            return relevant;
        }
    }

    public void Forget(ObjectRef key)
    {
        lock (_gate)
        {
            RemoveLocked(key);
        }
    }

    public IReadOnlyList<ObjectRef> TakeRevisits()
    {
        lock (_gate)
        {
            if (_revisits.Count == 0)
            {
                return [];
            }

            ObjectRef[] result = [.. _revisits.Distinct()];
            _revisits.Clear();
            return result;
        }
    }

    private void RemoveLocked(ObjectRef key)
    {
        if (!_policyOf.Remove(key, out PolicyReference? policy))
        {
            return;
        }

        _chunks[policy].Remove(key);
        HashSet<ObjectRef> locals = Set(_localChunks, policy);
        bool wasRelevant = locals.Count > 0;
        locals.Remove(key);
        if (wasRelevant && locals.Count == 0 && !_scopedChunks.ContainsKey(policy))
        {
            _revisits.AddRange(_chunks[policy]);
        }

        if (_chunks[policy].Count == 0)
        {
            _chunks.Remove(policy);
            _localChunks.Remove(policy);
        }
    }

    private void ObserveScopedLocked(ObjectRef key, PolicyReference policy)
    {
        if (_scopedPolicyOf.TryGetValue(key, out PolicyReference? previous))
        {
            if (previous == policy)
            {
                return;
            }

            ForgetScopedLocked(key);
        }

        _scopedPolicyOf[key] = policy;
        int count = _scopedChunks.GetValueOrDefault(policy);
        _scopedChunks[policy] = count + 1;
        if (count == 0)
        {
            RevisitUnlessLocalLocked(policy);
        }
    }

    private void ForgetScopedLocked(ObjectRef key)
    {
        if (!_scopedPolicyOf.Remove(key, out PolicyReference? policy))
        {
            return;
        }

        int count = _scopedChunks[policy] - 1;
        if (count > 0)
        {
            _scopedChunks[policy] = count;
            return;
        }

        _scopedChunks.Remove(policy);
        RevisitUnlessLocalLocked(policy);
    }

    /// <summary>The policy's unlabelled chunks change verdict unless one of them names a local pod.</summary>
    private void RevisitUnlessLocalLocked(PolicyReference policy)
    {
        if (_chunks.TryGetValue(policy, out HashSet<ObjectRef>? chunks) && Set(_localChunks, policy).Count == 0)
        {
            _revisits.AddRange(chunks);
        }
    }

    private static HashSet<ObjectRef> Set(Dictionary<PolicyReference, HashSet<ObjectRef>> map, PolicyReference policy)
    {
        if (!map.TryGetValue(policy, out HashSet<ObjectRef>? set))
        {
            set = [];
            map[policy] = set;
        }

        return set;
    }

    private sealed class Observer(PolicyEndpointRelevance owner) : IInformerFilter<PodInfo>
    {
        public bool Keep(ObjectRef key, PodInfo value)
        {
            owner.ObservePod(value);
            return true;
        }

        public void Forget(ObjectRef key)
        {
            lock (owner._gate)
            {
                owner._localPods.Remove(key);
            }
        }

        public IReadOnlyList<ObjectRef> TakeRevisits() => [];
    }

    private sealed class ScopedObserver(PolicyEndpointRelevance owner) : IInformerFilter<PolicyEndpointSpec>
    {
        public bool Keep(ObjectRef key, PolicyEndpointSpec value)
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (owner._gate)
            {
                owner.ObserveScopedLocked(key, value.PolicyRef);
            }

            return true;
        }

        public void Forget(ObjectRef key)
        {
            lock (owner._gate)
            {
                owner.ForgetScopedLocked(key);
            }
        }

        // The unlabelled slice's informer takes the revisits, through the relevance filter itself.
        public IReadOnlyList<ObjectRef> TakeRevisits() => [];
    }
}
