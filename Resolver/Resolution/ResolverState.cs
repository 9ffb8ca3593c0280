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
    private readonly PolicyImpact _impact;
    private readonly HashSet<ObjectRef> _stale = [];
    private HashSet<ObjectRef>? _endpointChanges;

    public ResolverState()
        : this(endpointsOnly: false)
    {
    }

    private ResolverState(bool endpointsOnly)
    {
        EndpointsOnly = endpointsOnly;
        _cache = new SelectorCache(_index);
        _impact = new PolicyImpact(_index, _peers, _cache);
    }

    /// <summary>
    /// A state for the controller, which publishes PolicyEndpoints and needs no per-pod policy: it keeps
    /// none (<see cref="PodPolicies"/> stays empty), and a change only marks the policies it may affect;
    /// their rules are resolved when their PolicyEndpoints are built, once however many changes touched
    /// them. It records PolicyEndpoint changes (<see cref="TrackPolicyEndpointChanges"/>) from the start.
    /// </summary>
    public static ResolverState ForPolicyEndpoints() => new(endpointsOnly: true) { _endpointChanges = [] };

    /// <summary>True for a state made by <see cref="ForPolicyEndpoints"/>.</summary>
    public bool EndpointsOnly { get; }

    /// <summary>The indexed inputs (read-only use).</summary>
    public ClusterIndex Index => _index;

    /// <summary>Every pod's resolved policy, ordered by namespace/name.</summary>
    public IReadOnlyDictionary<ObjectRef, PodPolicy> PodPolicies => _podPolicies;

    /// <summary>The current result as a view for verdicts and reports.</summary>
    public ResolvedCluster Result => new(_index.PodsByRef, _podPolicies);

    /// <summary>Warnings about the current policies (named ports nothing declares), ordered by policy.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics() => ResolutionDiagnostics.Find(_index);

    /// <summary>The resolved rules of one policy (resolved now if a change marked it), or null when the policy is not known.</summary>
    internal PolicyResolution? ResolutionOf(ObjectRef policy)
    {
        if (_stale.Remove(policy) && _index.GetPolicy(policy) is { } spec)
        {
            PolicyResolution resolved = RuleResolver.Resolve(spec, _index, _cache);
            if (!(_resolutions.TryGetValue(policy, out PolicyResolution? previous) && ReferenceEquals(previous.Policy, spec) && SameRules(previous, resolved)))
            {
                // Kept when equal: consumers may reuse what they derived from the same resolution object.
                _resolutions[policy] = resolved;
            }
        }

        return _resolutions.GetValueOrDefault(policy);
    }

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
    public static ResolverState FromSnapshot(ClusterSnapshot snapshot) => FromSnapshot(snapshot, endpointsOnly: false);

    /// <summary>
    /// Loads a whole snapshot into a <see cref="ForPolicyEndpoints"/> state: indexed at once, every policy
    /// marked (resolved when its PolicyEndpoints are built) and recorded as changed.
    /// </summary>
    public static ResolverState ForPolicyEndpoints(ClusterSnapshot snapshot) => FromSnapshot(snapshot, endpointsOnly: true);

    private static ResolverState FromSnapshot(ClusterSnapshot snapshot, bool endpointsOnly)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ResolverState state = new(endpointsOnly);
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

        if (endpointsOnly)
        {
            state._endpointChanges = [];
            foreach (NetworkPolicySpec policy in state._index.Policies)
            {
                state._peers.Add(policy);
                state._stale.Add(policy.Ref);
                state._endpointChanges.Add(policy.Ref);
            }

            return state;
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
                    _impact.AddPoliciesDependingOn(pod, policies);
                }
                else
                {
                    _impact.AddPoliciesAffectedByChange(old, pod, policies);
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

                _impact.AddPoliciesDependingOn(old, policies);
                SelectorsOf(old);
                _index.RemovePod(podRef);
                _cache.InvalidatePod(old, null);
                targets.Add(podRef);
                break;
            }

            case NamespaceUpserted(NamespaceInfo ns):
                _impact.NamespaceChanged(ns.Name, () => _index.Upsert(ns), policies);
                break;

            case NamespaceDeleted(string name):
                _impact.NamespaceChanged(name, () => _index.RemoveNamespace(name), policies);
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
                _stale.Remove(policyRef);
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

                _impact.AddPoliciesBehindService(old, policies);
                _impact.AddPoliciesBehindService(service, policies);
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

                _impact.AddPoliciesBehindService(old, policies);
                _index.RemoveService(serviceRef);
                _cache.Clear();
                break;
            }

            default:
                throw new ArgumentException($"unknown resolver event {change.GetType().Name}", nameof(change));
        }

        if (EndpointsOnly)
        {
            foreach (ObjectRef policyRef in policies)
            {
                if (_index.GetPolicy(policyRef) is not null)
                {
                    _stale.Add(policyRef);
                    _endpointChanges?.Add(policyRef);
                }
            }

            return PodPolicyChanges.None;
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

}
