using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Selection;

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

    /// <summary>The resolved rules of one policy, or null when the policy is not known.</summary>
    internal PolicyResolution? ResolutionOf(ObjectRef policy) => _resolutions.GetValueOrDefault(policy);

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

                AddPoliciesDependingOn(old, policies);
                AddPoliciesDependingOn(pod, policies);
                _index.Upsert(pod);
                _cache.Clear();
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
                _index.RemovePod(podRef);
                _cache.Clear();
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
                }

                _index.Upsert(policy);
                policies.Add(policy.Ref);
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

            _resolutions[policyRef] = RuleResolver.Resolve(policy, _index, _cache);
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
            if (!_podPolicies.TryGetValue(target, out PodPolicy? current) || !current.Equals(updated))
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
        foreach (NetworkPolicySpec policy in _index.Policies)
        {
            foreach (PolicyPeer peer in PeersInUse(policy))
            {
                if (peer.NamespaceSelector is not null && (peer.NamespaceSelector.Matches(before) || peer.NamespaceSelector.Matches(after)))
                {
                    policies.Add(policy.Ref);
                    break;
                }
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
        foreach (NetworkPolicySpec policy in _index.Policies)
        {
            if (!policies.Contains(policy.Ref) && DependsOnPod(policy, pod, nsLabels))
            {
                policies.Add(policy.Ref);
            }
        }
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
        if ((policy.PolicyTypes & PolicyTypes.Ingress) != 0)
        {
            foreach (PolicyRule rule in policy.Ingress)
            {
                foreach (PolicyPeer peer in rule.Peers)
                {
                    if (peer.IpBlock is null && PeerMatcher.SelectsPod(peer, policy.Namespace, pod, nsLabels))
                    {
                        return true;
                    }
                }
            }
        }

        if ((policy.PolicyTypes & PolicyTypes.Egress) != 0)
        {
            foreach (PolicyRule rule in policy.Egress)
            {
                if (rule.Peers.Count == 0)
                {
                    if (rule.Ports.Any(p => p.NamedPort is not null))
                    {
                        return true;
                    }

                    continue;
                }

                foreach (PolicyPeer peer in rule.Peers)
                {
                    if (peer.IpBlock is not null
                        ? pod.Ips.Any(peer.IpBlock.Cidr.Contains)
                        : PeerMatcher.SelectsPod(peer, policy.Namespace, pod, nsLabels))
                    {
                        return true;
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

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out string? v) && v == kv.Value);
}
