using System.Runtime.CompilerServices;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Selection;
using static Npa.Resolver.Resolution.ResolverEvent;

namespace Npa.Resolver.Resolution;

/// <summary>
/// The incremental resolver. It keeps the inputs indexed, each policy's rules resolved once, and every
/// pod's <see cref="PodPolicy"/>; an event recomputes only the policies whose peers may involve the
/// changed object and only the pods those policies (or the event itself) select. The result always
/// equals resolving the final set of objects from scratch with <see cref="PolicyResolver"/>.
/// </summary>
public sealed class ResolverState
{
    private readonly ClusterIndex _index = new();
    private readonly SelectorCache _cache;
    private readonly Dictionary<ObjectRef, PolicyResolution> _resolutions = new();
    private readonly SortedDictionary<ObjectRef, PodPolicy> _podPolicies = new();
    private readonly PeerIndex _peers = new();
    private HashSet<ObjectRef>? _endpointChanges;

    public ResolverState()
    {
        _cache = new SelectorCache(_index);
    }

    /// <summary>The indexed inputs (read-only use).</summary>
    public ClusterIndex Index => _index;

    /// <summary>Every pod's resolved policy, ordered by namespace/name.</summary>
    public IReadOnlyDictionary<ObjectRef, PodPolicy> PodPolicies => _podPolicies;

    /// <summary>The current result as a view for verdicts and reports.</summary>
    public ResolvedCluster Result => new(_index.PodsByRef, _podPolicies);

    /// <summary>Warnings about the current policies (named ports nothing declares), ordered by policy.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics() => ResolutionDiagnostics.Find(_index);

    /// <summary>The resolved rules of one policy, or null when the policy is not known.</summary>
    internal PolicyResolution? ResolutionOf(ObjectRef policy) => _resolutions.GetValueOrDefault(policy);

    /// <summary>
    /// Starts recording the policies whose PolicyEndpoints may have changed (the controller's input):
    /// a policy added, changed or deleted; a policy whose resolved rules changed; a policy that selects a
    /// pod (before or after the change) that was added, changed or deleted. Only these need rebuilding.
    /// </summary>
    public void TrackPolicyEndpointChanges() => _endpointChanges ??= [];

    /// <summary>The policies recorded since the last call (see <see cref="TrackPolicyEndpointChanges"/>), ordered; the record starts empty again.</summary>
    public IReadOnlyList<ObjectRef> TakePolicyEndpointChanges()
    {
        if (_endpointChanges is null || _endpointChanges.Count == 0)
        {
            return [];
        }

        ObjectRef[] taken = [.. _endpointChanges.Order()];
        _endpointChanges.Clear();
        return taken;
    }

    private void SelectorsOf(PodInfo? pod)
    {
        if (_endpointChanges is null || pod is null)
        {
            return;
        }

        foreach (NetworkPolicySpec policy in _index.PoliciesIn(pod.Namespace))
        {
            if (policy.PodSelector.Matches(pod.Labels))
            {
                _endpointChanges.Add(policy.Ref);
            }
        }
    }

    /// <summary>Loads a whole snapshot and resolves everything once (the full resolution).</summary>
    public static ResolverState FromSnapshot(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ResolverState state = new();
        foreach (NamespaceInfo ns in snapshot.Namespaces)
        {
            state._index.Upsert(ns);
        }

        foreach (PodInfo pod in snapshot.Pods)
        {
            state._index.Upsert(pod);
        }

        foreach (ServiceInfo service in snapshot.Services)
        {
            state._index.Upsert(service);
        }

        foreach (NetworkPolicySpec policy in snapshot.Policies)
        {
            state._index.Upsert(policy);
        }

        foreach (NetworkPolicySpec policy in state._index.Policies)
        {
            state._peers.Add(policy);
            state._resolutions[policy.Ref] = RuleResolver.Resolve(policy, state._index, state._cache);
        }

        foreach (PodInfo pod in state._index.Pods)
        {
            state._podPolicies[pod.Ref] = state.Build(pod);
        }

        state._cache.Clear();
        return state;
    }

    /// <summary>Applies events one after the other and returns the net changes.</summary>
    public PodPolicyChanges ApplyAll(IEnumerable<ResolverEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        Dictionary<ObjectRef, PodPolicy?> net = new();
        int recomputed = 0;
        foreach (ResolverEvent e in events)
        {
            PodPolicyChanges c = Apply(e);
            recomputed += c.PodsRecomputed;
            foreach (PodPolicy p in c.Changed)
            {
                net[p.Pod] = p;
            }

            foreach (ObjectRef r in c.Removed)
            {
                net[r] = null;
            }
        }

        return new PodPolicyChanges(
            net.Where(kv => kv.Value is not null).OrderBy(kv => kv.Key).Select(kv => kv.Value!).ToArray(),
            net.Where(kv => kv.Value is null).Select(kv => kv.Key).Order().ToArray(),
            recomputed);
    }

    /// <summary>Applies one event and returns the pods whose policy changed or that are gone.</summary>
    public PodPolicyChanges Apply(ResolverEvent change)
    {
        ArgumentNullException.ThrowIfNull(change);
        HashSet<ObjectRef> policies = [];
        HashSet<ObjectRef> targets = [];
        switch (change)
        {
            case PodUpserted(PodInfo pod):
            {
                PodInfo? old = _index.GetPod(pod.Ref);
                if (pod.Equals(old))
                {
                    return PodPolicyChanges.None;
                }

                if (old is null)
                {
                    AddPoliciesDependingOn(pod, policies);
                }
                else
                {
                    AddPoliciesAffectedByChange(old, pod, policies);
                }

                SelectorsOf(old);
                _index.Upsert(pod);
                _cache.InvalidatePod(old, pod);
                SelectorsOf(pod);
                targets.Add(pod.Ref);
                break;
            }

            case PodDeleted(ObjectRef podRef):
            {
                PodInfo? old = _index.GetPod(podRef);
                if (old is null)
                {
                    return PodPolicyChanges.None;
                }

                AddPoliciesDependingOn(old, policies);
                SelectorsOf(old);
                _index.RemovePod(podRef);
                _cache.InvalidatePod(old, null);
                targets.Add(podRef);
                break;
            }

            case NamespaceUpserted(NamespaceInfo ns):
                NamespaceChanged(ns.Name, () => _index.Upsert(ns), policies);
                break;

            case NamespaceDeleted(string name):
                NamespaceChanged(name, () => _index.RemoveNamespace(name), policies);
                break;

            case PolicyUpserted(NetworkPolicySpec policy):
            {
                NetworkPolicySpec? old = _index.GetPolicy(policy.Ref);
                if (policy.Equals(old))
                {
                    return PodPolicyChanges.None;
                }

                if (old is not null)
                {
                    targets.UnionWith(_index.TargetsOf(old).Select(p => p.Ref));
                    _peers.Remove(old);
                }

                _index.Upsert(policy);
                _peers.Add(policy);
                policies.Add(policy.Ref);
                _endpointChanges?.Add(policy.Ref);
                break;
            }

            case PolicyDeleted(ObjectRef policyRef):
            {
                NetworkPolicySpec? old = _index.RemovePolicy(policyRef);
                if (old is null)
                {
                    return PodPolicyChanges.None;
                }

                _resolutions.Remove(policyRef);
                _peers.Remove(old);
                _endpointChanges?.Add(policyRef);
                targets.UnionWith(_index.TargetsOf(old).Select(p => p.Ref));
                break;
            }

            case ServiceUpserted(ServiceInfo service):
            {
                ServiceInfo? old = _index.GetService(service.Ref);
                if (service.Equals(old))
                {
                    return PodPolicyChanges.None;
                }

                AddPoliciesBehindService(old, policies);
                AddPoliciesBehindService(service, policies);
                _index.Upsert(service);
                _cache.Clear();
                break;
            }

            case ServiceDeleted(ObjectRef serviceRef):
            {
                ServiceInfo? old = _index.GetService(serviceRef);
                if (old is null)
                {
                    return PodPolicyChanges.None;
                }

                AddPoliciesBehindService(old, policies);
                _index.RemoveService(serviceRef);
                _cache.Clear();
                break;
            }

            default:
                throw new ArgumentException($"unknown resolver event {change.GetType().Name}", nameof(change));
        }

        foreach (ObjectRef policyRef in policies.Order())
        {
            NetworkPolicySpec? policy = _index.GetPolicy(policyRef);
            if (policy is null)
            {
                continue;
            }

            PolicyResolution resolved = RuleResolver.Resolve(policy, _index, _cache);
            if (_resolutions.TryGetValue(policyRef, out PolicyResolution? previous) && ReferenceEquals(previous.Policy, policy) && SameRules(previous, resolved))
            {
                // Re-resolving gave the same entries: the pods it selects keep their policy (and their shared lists).
                continue;
            }

            _resolutions[policyRef] = resolved;
            _endpointChanges?.Add(policyRef);
            targets.UnionWith(_index.TargetsOf(policy).Select(p => p.Ref));
        }

        return Recompute(targets);
    }

    private PodPolicyChanges Recompute(HashSet<ObjectRef> targets)
    {
        List<PodPolicy> changed = [];
        List<ObjectRef> removed = [];
        foreach (ObjectRef target in targets.Order())
        {
            PodInfo? pod = _index.GetPod(target);
            if (pod is null)
            {
                if (_podPolicies.Remove(target))
                {
                    removed.Add(target);
                }

                continue;
            }

            PodPolicy updated = Build(pod);
            if (!_podPolicies.TryGetValue(target, out PodPolicy? current) || !Same(current, updated))
            {
                _podPolicies[target] = updated;
                changed.Add(updated);
            }
        }

        return new PodPolicyChanges(changed, removed, targets.Count);
    }

    private void NamespaceChanged(string name, Action apply, HashSet<ObjectRef> policies)
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

    private void AddPoliciesDependingOn(PodInfo? pod, HashSet<ObjectRef> policies)
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
    private void AddPoliciesAffectedByChange(PodInfo old, PodInfo updated, HashSet<ObjectRef> policies)
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

    private void AddPoliciesBehindService(ServiceInfo? service, HashSet<ObjectRef> policies)
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

    private PodPolicy Build(PodInfo pod)
    {
        if (pod.HostNetwork)
        {
            return new PodPolicy(pod.Ref, pod.Ips, DirectionPolicy.Open, DirectionPolicy.Open);
        }

        List<ObjectRef> ingressPolicies = [];
        List<ObjectRef> egressPolicies = [];
        List<IReadOnlyList<AllowRule>> ingress = [];
        List<IReadOnlyList<AllowRule>> egress = [];
        foreach (NetworkPolicySpec policy in _index.PoliciesIn(pod.Namespace))
        {
            if (!policy.PodSelector.Matches(pod.Labels))
            {
                continue;
            }

            PolicyResolution resolution = _resolutions[policy.Ref];
            if ((policy.PolicyTypes & PolicyTypes.Ingress) != 0)
            {
                ingressPolicies.Add(policy.Ref);
                foreach (ResolvedRule rule in resolution.Ingress)
                {
                    ingress.Add(rule.RulesFor(pod));
                }
            }

            if ((policy.PolicyTypes & PolicyTypes.Egress) != 0)
            {
                egressPolicies.Add(policy.Ref);
                foreach (ResolvedRule rule in resolution.Egress)
                {
                    egress.Add(rule.RulesFor(pod));
                }
            }
        }

        return new PodPolicy(pod.Ref, pod.Ips, Direction(ingressPolicies, ingress), Direction(egressPolicies, egress));

        static DirectionPolicy Direction(List<ObjectRef> isolating, List<IReadOnlyList<AllowRule>> rules) =>
            isolating.Count == 0 ? DirectionPolicy.Open : new DirectionPolicy(true, ConcatList<AllowRule>.Of(rules), isolating);
    }

    /// <summary><see cref="PodPolicy.Equals(PodPolicy?)"/>, faster when both share their rule lists.</summary>
    private static bool Same(PodPolicy a, PodPolicy b) =>
        a.Pod == b.Pod && a.PodIps.SequenceEqual(b.PodIps) && Same(a.Ingress, b.Ingress) && Same(a.Egress, b.Egress);

    private static bool Same(DirectionPolicy a, DirectionPolicy b) =>
        a.Isolated == b.Isolated && a.IsolatingPolicies.SequenceEqual(b.IsolatingPolicies) && ConcatList<AllowRule>.SameElements(a.Rules, b.Rules);

    private static bool SameRules(PolicyResolution a, PolicyResolution b) =>
        SameRules(a.Ingress, b.Ingress) && SameRules(a.Egress, b.Egress);

    private static bool SameRules(ResolvedRule[] a, ResolvedRule[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (!a[i].Shared.SequenceEqual(b[i].Shared) || !a[i].NamedPorts.SequenceEqual(b[i].NamedPorts) ||
                a[i].NamedPortPeers.Count != b[i].NamedPortPeers.Count)
            {
                return false;
            }

            for (int j = 0; j < a[i].NamedPortPeers.Count; j++)
            {
                PeerBlock x = a[i].NamedPortPeers[j];
                PeerBlock y = b[i].NamedPortPeers[j];
                if (x.Cidr != y.Cidr || x.Source != y.Source || !x.Except.SequenceEqual(y.Except))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out string? v) && v == kv.Value);
}
