using System.Collections.Concurrent;
using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Ev = Npa.Resolver.Events;

namespace Npa.Host.Stages;

/// <summary>
/// The node agent's resolver when rules come from PolicyEndpoints (ours or the EKS controller's): it holds
/// the node's own pods and the PolicyEndpoints naming them, and recomputes the node's pods with
/// <see cref="PolicyEndpointRules"/> on every change (a node holds at most a few hundred pods). Every
/// chunk of a policy counts together, so a policy is never applied half.
/// </summary>
public sealed class PolicyEndpointDesiredResolver(string nodeName) : IDesiredPolicyResolver, INodePodDirectory
{
    private readonly Dictionary<ObjectRef, PodInfo> _pods = [];
    private readonly Dictionary<ObjectRef, PolicyEndpointSpec> _endpoints = [];
    private readonly NodeAddresses _node = new();
    private readonly ConcurrentDictionary<ObjectRef, IReadOnlyList<IPAddress>> _addresses = new();
    private readonly ConcurrentDictionary<ObjectRef, string> _uids = new();
    private IReadOnlyDictionary<ObjectRef, PodPolicy> _desired = new Dictionary<ObjectRef, PodPolicy>();

    public IReadOnlyDictionary<ObjectRef, PodPolicy> Desired => _desired;

    public IEnumerable<KeyValuePair<ObjectRef, IReadOnlyList<IPAddress>>> PodAddresses => _addresses;

    public string? UidOf(ObjectRef pod) => _uids.GetValueOrDefault(pod);

    public PodPolicyChanges Apply(Ev.ClusterEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e)
        {
            case Ev.PodUpserted { Pod: var pod } when pod.NodeName == nodeName && !pod.HostNetwork:
                _pods[pod.Ref] = pod;
                _addresses[pod.Ref] = pod.Ips;
                if (pod.Uid.Length > 0)
                {
                    _uids[pod.Ref] = pod.Uid;
                }

                _node.Learn(pod);
                break;
            case Ev.PodUpserted { Pod: var moved }:
                Forget(moved.Ref);
                break;
            case Ev.PodDeleted deleted:
                Forget(deleted.Pod);
                break;
            case Ev.PolicyEndpointUpserted upserted:
                _endpoints[new ObjectRef(upserted.Endpoint.Namespace, upserted.Endpoint.Name)] = upserted.Endpoint;
                break;
            case Ev.PolicyEndpointDeleted gone:
                _endpoints.Remove(gone.Endpoint);
                break;
            default:
                return PodPolicyChanges.None;
        }

        IReadOnlyDictionary<ObjectRef, PodPolicy> before = _desired;
        Dictionary<ObjectRef, PodPolicy> after = PolicyEndpointRules.Resolve(_endpoints.Values, _pods.Values)
            .ToDictionary(kv => kv.Key, kv => _node.Apply(kv.Value));
        _desired = after;
        List<PodPolicy> changed = [.. after.Values.Where(p => !before.TryGetValue(p.Pod, out PodPolicy? old) || !old.Equals(p))];
        List<ObjectRef> removed = [.. before.Keys.Where(k => !after.ContainsKey(k))];
        return new PodPolicyChanges(changed, removed, after.Count);
    }

    private void Forget(ObjectRef pod)
    {
        _pods.Remove(pod);
        _addresses.TryRemove(pod, out _);
        _uids.TryRemove(pod, out _);
    }
}
