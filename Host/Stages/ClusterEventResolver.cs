using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Ev = Npa.Resolver.Events;

namespace Npa.Host.Stages;

/// <summary>
/// Resolves NetworkPolicies on the node with the incremental <see cref="ResolverState"/>. With a node
/// name, only that node's pods are reported (peers anywhere still count for the rules).
/// PolicyEndpoint events and sync markers change nothing here.
/// </summary>
public sealed class ClusterEventResolver(string? nodeName = null) : IDesiredPolicyResolver, INodePodDirectory
{
    private ResolverState _state = new();
    private readonly HashSet<ObjectRef> _localPods = [];
    private readonly NodeAddresses _node = new();
    private readonly Dictionary<ObjectRef, string> _uids = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ObjectRef, IReadOnlyList<System.Net.IPAddress>> _addresses = new();

    /// <summary>The resolver state itself (the controller builds PolicyEndpoints from it; single-threaded use).</summary>
    public ResolverState State => _state;

    public IReadOnlyDictionary<ObjectRef, PodPolicy> Desired =>
        nodeName is null ? _state.PodPolicies : _state.PodPolicies.Where(kv => _localPods.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => _node.Apply(kv.Value));

    /// <summary>Every known pod's addresses (thread-safe snapshot source for flow-log enrichment).</summary>
    public IEnumerable<KeyValuePair<ObjectRef, IReadOnlyList<System.Net.IPAddress>>> PodAddresses => _addresses;

    /// <summary>The uid of a pod the resolver knows, or null.</summary>
    public string? UidOf(ObjectRef pod)
    {
        lock (_uids)
        {
            return _uids.GetValueOrDefault(pod);
        }
    }

    /// <summary>
    /// The controller's resolver: PolicyEndpoints only (<see cref="ResolverState.ForPolicyEndpoints()"/>), no
    /// per-pod policies, rules resolved when built.
    /// </summary>
    public static ClusterEventResolver ForPolicyEndpoints() => new() { _state = ResolverState.ForPolicyEndpoints() };

    /// <summary>
    /// Replaces the state with one loaded from <paramref name="snapshot"/> in a single pass (the controller's
    /// first lists: indexing 5,000 pods at once instead of one incremental change each). Only for a resolver
    /// made by <see cref="ForPolicyEndpoints"/>.
    /// </summary>
    public void Load(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (nodeName is not null || !_state.EndpointsOnly)
        {
            throw new InvalidOperationException("only the controller's resolver loads a snapshot");
        }

        _state = ResolverState.ForPolicyEndpoints(snapshot);
        lock (_uids)
        {
            foreach (PodInfo pod in snapshot.Pods)
            {
                _addresses[pod.Ref] = pod.Ips;
                if (pod.Uid.Length > 0)
                {
                    _uids[pod.Ref] = pod.Uid;
                }
            }
        }
    }

    /// <summary>The resolver's input for a cluster event; null for events that change no resolver input.</summary>
    public static ResolverEvent? ToResolverEvent(Ev.ClusterEvent e) => e switch
    {
        Ev.NamespaceUpserted x => new ResolverEvent.NamespaceUpserted(x.Namespace),
        Ev.NamespaceDeleted x => new ResolverEvent.NamespaceDeleted(x.Name),
        Ev.PodUpserted x => new ResolverEvent.PodUpserted(x.Pod),
        Ev.PodDeleted x => new ResolverEvent.PodDeleted(x.Pod),
        Ev.PolicyUpserted x => new ResolverEvent.PolicyUpserted(x.Policy),
        Ev.PolicyDeleted x => new ResolverEvent.PolicyDeleted(x.Policy),
        Ev.ServiceUpserted x => new ResolverEvent.ServiceUpserted(x.Service),
        Ev.ServiceDeleted x => new ResolverEvent.ServiceDeleted(x.Service),
        _ => null,
    };

    public PodPolicyChanges Apply(Ev.ClusterEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        ResolverEvent? input = ToResolverEvent(e);
        if (input is null)
        {
            return PodPolicyChanges.None;
        }

        lock (_uids)
        {
            if (e is Ev.PodUpserted any)
            {
                _addresses[any.Pod.Ref] = any.Pod.Ips;
            }
            else if (e is Ev.PodDeleted removed)
            {
                _addresses.TryRemove(removed.Pod, out _);
            }

            if (e is Ev.PodUpserted { Pod.Uid.Length: > 0 } withUid)
            {
                _uids[withUid.Pod.Ref] = withUid.Pod.Uid;
            }
            else if (e is Ev.PodDeleted gone)
            {
                _uids.Remove(gone.Pod);
            }
        }

        bool learnedNodeAddress = false;
        if (nodeName is not null && e is Ev.PodUpserted upserted)
        {
            if (upserted.Pod.NodeName == nodeName && !upserted.Pod.HostNetwork)
            {
                _localPods.Add(upserted.Pod.Ref);
                learnedNodeAddress = _node.Learn(upserted.Pod);
            }
            else
            {
                _localPods.Remove(upserted.Pod.Ref);
            }
        }

        PodPolicyChanges changes = _state.Apply(input);
        if (nodeName is null)
        {
            return changes;
        }

        // A node address seen for the first time changes every local pod: each gains the node-traffic rule.
        IEnumerable<PodPolicy> changed = learnedNodeAddress
            ? _state.PodPolicies.Where(kv => _localPods.Contains(kv.Key)).Select(kv => kv.Value)
            : changes.Changed.Where(p => _localPods.Contains(p.Pod));
        PodPolicyChanges local = new(
            changed.Select(_node.Apply).ToArray(),
            changes.Removed.Where(_localPods.Contains).ToArray(),
            changes.PodsRecomputed);
        if (e is Ev.PodDeleted deleted)
        {
            _localPods.Remove(deleted.Pod);
        }

        return local;
    }
}
