using System.Runtime.CompilerServices;
using Npa.Resolver.Model;
using Npa.Resolver.Selection;

namespace Npa.Resolver.Resolution;

/// <summary>
/// Which policies' resolved rules a change may alter: the impact analysis of <see cref="ResolverState"/>.
/// Each method adds to <c>policies</c> every policy that must be re-resolved after the change and, as far
/// as it can tell cheaply, no other: a pod that moves in or out of no peer, or a namespace label that no
/// namespace selector reads, touches nothing. Re-resolving a policy whose rules turn out the same is
/// harmless (the state keeps the old resolution); missing one is a bug the property tests catch.
/// </summary>
internal sealed class PolicyImpact(ClusterIndex index, PeerIndex peers, SelectorCache cache)
{
    private readonly ClusterIndex _index = index;
    private readonly PeerIndex _peers = peers;
    private readonly SelectorCache _cache = cache;

    public void NamespaceChanged(string name, Action apply, HashSet<ObjectRef> policies)
    {
        IReadOnlyDictionary<string, string> before = _index.LabelsOfNamespace(name);
        apply();
        IReadOnlyDictionary<string, string> after = _index.LabelsOfNamespace(name);
        if (SameLabels(before, after) || !_index.PodsIn(name).Any())
        {
            return;
        }

        _cache.Clear();
        foreach (PeerUse use in _peers.CrossNamespace)
        {
            LabelSelector selector = use.Peer.NamespaceSelector!;
            if (selector.Matches(before) != selector.Matches(after))
            {
                policies.UnionWith(use.Policies);
            }
        }
    }

    public void AddPoliciesDependingOn(PodInfo? pod, HashSet<ObjectRef> policies)
    {
        if (pod is null)
        {
            return;
        }

        IReadOnlyDictionary<string, string> nsLabels = _index.LabelsOfNamespace(pod.Namespace);
        foreach (PeerUse use in _peers.CandidatesFor(pod.Namespace))
        {
            if (PeerMatcher.SelectsPod(use.Peer, use.PolicyNamespace, pod, nsLabels))
            {
                policies.UnionWith(use.Policies);
            }
        }

        foreach (ObjectRef policyRef in _peers.AddressPolicies)
        {
            if (!policies.Contains(policyRef) && _index.GetPolicy(policyRef) is { } policy && DependsOnPod(policy, pod, nsLabels))
            {
                policies.Add(policyRef);
            }
        }
    }

    /// <summary>
    /// Policies whose resolved rules may differ between two versions of a pod: a peer selects one
    /// version and not the other; or a peer involves the pod and its addresses or ports changed; or an
    /// egress rule involving the pod allows the target port of a Service the pod joined or left. A label
    /// change that moves the pod in or out of no peer touches no policy.
    /// </summary>
    public void AddPoliciesAffectedByChange(PodInfo old, PodInfo updated, HashSet<ObjectRef> policies)
    {
        IReadOnlyDictionary<string, string> nsLabels = _index.LabelsOfNamespace(updated.Namespace);
        bool addressing = !old.Ips.SequenceEqual(updated.Ips) || !old.Ports.SequenceEqual(updated.Ports) || old.HostNetwork != updated.HostNetwork;
        List<ServiceInfo>? changedServices = null;
        foreach (ServiceInfo s in _index.ServicesIn(updated.Namespace))
        {
            if (BacksService(s, old) != BacksService(s, updated))
            {
                (changedServices ??= []).Add(s);
            }
        }

        ServiceTarget[] joinedOrLeft = changedServices is null ? [] : ServiceTargets(changedServices, old, updated);
        Dictionary<(string, string), bool> memo = [];
        foreach (PeerUse use in _peers.CandidatesFor(updated.Namespace))
        {
            bool before = PeerMatcher.SelectsPod(use.Peer, use.PolicyNamespace, old, nsLabels);
            bool after = PeerMatcher.SelectsPod(use.Peer, use.PolicyNamespace, updated, nsLabels);
            if (!before && !after)
            {
                continue;
            }

            foreach (ObjectRef policyRef in use.Policies)
            {
                if (!policies.Contains(policyRef) &&
                    (addressing || before != after ||
                     (joinedOrLeft.Length > 0 && ServiceEntriesMayChange(_index.GetPolicy(policyRef)!, old, updated, nsLabels, joinedOrLeft, memo))))
                {
                    policies.Add(policyRef);
                }
            }
        }

        foreach (ObjectRef policyRef in _peers.AddressPolicies)
        {
            if (policies.Contains(policyRef) || _index.GetPolicy(policyRef) is not { } policy ||
                !(DependsOnPod(policy, old, nsLabels) || DependsOnPod(policy, updated, nsLabels)))
            {
                continue;
            }

            if (addressing || !PeerSetsEqual(policy, old, updated, nsLabels) ||
                (joinedOrLeft.Length > 0 && ServiceEntriesMayChange(policy, old, updated, nsLabels, joinedOrLeft, memo)))
            {
                policies.Add(policyRef);
            }
        }
    }

    /// <summary>
    /// True when an egress rule whose peers involve the pod lets traffic reach, on either version of the
    /// pod, the target port of one of <paramref name="services"/>: only then can its cluster-IP entries change.
    /// </summary>
    private static bool ServiceEntriesMayChange(NetworkPolicySpec policy, PodInfo old, PodInfo updated,
        IReadOnlyDictionary<string, string> nsLabels, ServiceTarget[] services, Dictionary<(string, string), bool> memo)
    {
        if ((policy.PolicyTypes & PolicyTypes.Egress) == 0)
        {
            return false;
        }

        foreach (PolicyRule rule in policy.Egress)
        {
            if (!AllowsATargetPort(rule, services))
            {
                continue;
            }

            // Rules of the same shape (many policies share a DNS or monitoring rule) answer alike: decide once per event.
            RuleShape shape = RuleShapes.GetValue(rule, RuleShape.Of);
            (string, string) key = (shape.SelectsInOwnNamespace ? policy.Namespace : "", shape.Text);
            if (!memo.TryGetValue(key, out bool mayChange))
            {
                mayChange = RuleServiceEntriesMayChange(rule, policy.Namespace, old, updated, nsLabels, services);
                memo[key] = mayChange;
            }

            if (mayChange)
            {
                return true;
            }
        }

        return false;
    }

    private static bool RuleServiceEntriesMayChange(PolicyRule rule, string policyNamespace, PodInfo old, PodInfo updated,
        IReadOnlyDictionary<string, string> nsLabels, ServiceTarget[] services)
    {
        // The port test is the cheaper one (a DNS rule never allows an HTTP target port): do it first.
        return AllowsATargetPort(rule, services) &&
            (Involves(rule, policyNamespace, old, nsLabels) || Involves(rule, policyNamespace, updated, nsLabels));
    }

    /// <summary>A Service port's target port number on one version of the pod.</summary>
    private readonly record struct ServiceTarget(PodInfo Pod, Protocol Protocol, int Port);

    /// <summary>The target ports of the Services' ports on either version of the pod, worked out once per event.</summary>
    private static ServiceTarget[] ServiceTargets(List<ServiceInfo> services, PodInfo old, PodInfo updated)
    {
        List<ServiceTarget> targets = [];
        foreach (ServiceInfo service in services)
        {
            foreach (ServicePort sp in service.Ports)
            {
                if (NamedPortResolver.TargetOn(sp, old) is int a)
                {
                    targets.Add(new ServiceTarget(old, sp.Protocol, a));
                }

                if (NamedPortResolver.TargetOn(sp, updated) is int b)
                {
                    targets.Add(new ServiceTarget(updated, sp.Protocol, b));
                }
            }
        }

        // No target port on either version: no rule can allow one, so no cluster-IP entry can change.
        return targets.ToArray();
    }

    private static bool AllowsATargetPort(PolicyRule rule, ServiceTarget[] targets)
    {
        foreach (ServiceTarget t in targets)
        {
            if (RuleResolver.PortsAllow(rule, t.Pod, t.Protocol, t.Port))
            {
                return true;
            }
        }

        return false;
    }

    private static readonly ConditionalWeakTable<PolicyRule, RuleShape> RuleShapes = new();

    /// <summary>A rule's peers and ports as text, and whether a peer selects in the policy's own namespace.</summary>
    private sealed record RuleShape(string Text, bool SelectsInOwnNamespace)
    {
        public static RuleShape Of(PolicyRule rule) => new(
            string.Join(";", rule.Peers) + "|" + string.Join(",", rule.Ports),
            rule.Peers.Any(p => p.IpBlock is null && p.NamespaceSelector is null));
    }

    private static bool Involves(PolicyRule rule, string policyNamespace, PodInfo pod, IReadOnlyDictionary<string, string> nsLabels)
    {
        foreach (PolicyPeer peer in rule.Peers)
        {
            if (peer.IpBlock is not null)
            {
                foreach (System.Net.IPAddress ip in pod.Ips)
                {
                    if (peer.IpBlock.Cidr.Contains(ip))
                    {
                        return true;
                    }
                }
            }
            else if (PeerMatcher.SelectsPod(peer, policyNamespace, pod, nsLabels))
            {
                return true;
            }
        }

        return false;
    }

    private static bool BacksService(ServiceInfo service, PodInfo pod)
    {
        if (service.Selector is not { Count: > 0 } selector || pod.Ips.Count == 0)
        {
            return false;
        }

        foreach (KeyValuePair<string, string> kv in selector)
        {
            if (!pod.Labels.TryGetValue(kv.Key, out string? v) || v != kv.Value)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when every peer of the policy selects both versions of the pod or neither.</summary>
    private static bool PeerSetsEqual(NetworkPolicySpec policy, PodInfo old, PodInfo updated, IReadOnlyDictionary<string, string> nsLabels)
    {
        foreach (PolicyPeer peer in PeersInUse(policy))
        {
            if (peer.IpBlock is null &&
                PeerMatcher.SelectsPod(peer, policy.Namespace, old, nsLabels) != PeerMatcher.SelectsPod(peer, policy.Namespace, updated, nsLabels))
            {
                return false;
            }
        }

        return true;
    }

    public void AddPoliciesBehindService(ServiceInfo? service, HashSet<ObjectRef> policies)
    {
        if (service is null)
        {
            return;
        }

        PodInfo[] backends = _index.BackendsOf(service).ToArray();
        foreach (PodInfo pod in backends)
        {
            AddPoliciesDependingOn(pod, policies);
        }
    }

    /// <summary>
    /// Whether a policy's resolved rules may change when <paramref name="pod"/> appears, changes or goes:
    /// a peer selects it, or an egress ipBlock covers it (named ports and Service backends resolve
    /// against such pods), or an egress rule to every peer has named ports.
    /// </summary>
    private static bool DependsOnPod(NetworkPolicySpec policy, PodInfo pod, IReadOnlyDictionary<string, string> nsLabels)
    {
        // Plain loops: this runs for many policies on every pod change.
        if ((policy.PolicyTypes & PolicyTypes.Ingress) != 0)
        {
            for (int r = 0; r < policy.Ingress.Count; r++)
            {
                IReadOnlyList<PolicyPeer> peers = policy.Ingress[r].Peers;
                for (int i = 0; i < peers.Count; i++)
                {
                    if (peers[i].IpBlock is null && PeerMatcher.SelectsPod(peers[i], policy.Namespace, pod, nsLabels))
                    {
                        return true;
                    }
                }
            }
        }

        if ((policy.PolicyTypes & PolicyTypes.Egress) != 0)
        {
            for (int r = 0; r < policy.Egress.Count; r++)
            {
                PolicyRule rule = policy.Egress[r];
                if (rule.Peers.Count == 0)
                {
                    for (int p = 0; p < rule.Ports.Count; p++)
                    {
                        if (rule.Ports[p].NamedPort is not null)
                        {
                            return true;
                        }
                    }

                    continue;
                }

                for (int i = 0; i < rule.Peers.Count; i++)
                {
                    PolicyPeer peer = rule.Peers[i];
                    if (peer.IpBlock is null)
                    {
                        if (PeerMatcher.SelectsPod(peer, policy.Namespace, pod, nsLabels))
                        {
                            return true;
                        }

                        continue;
                    }

                    for (int a = 0; a < pod.Ips.Count; a++)
                    {
                        if (peer.IpBlock.Cidr.Contains(pod.Ips[a]))
                        {
                            return true;
                        }
                    }
                }
            }
        }

        return false;
    }

    private static IEnumerable<PolicyPeer> PeersInUse(NetworkPolicySpec policy)
    {
        IEnumerable<PolicyRule> rules = [];
        if ((policy.PolicyTypes & PolicyTypes.Ingress) != 0)
        {
            rules = rules.Concat(policy.Ingress);
        }

        if ((policy.PolicyTypes & PolicyTypes.Egress) != 0)
        {
            rules = rules.Concat(policy.Egress);
        }

        return rules.SelectMany(r => r.Peers);
    }

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out string? v) && v == kv.Value);
}
