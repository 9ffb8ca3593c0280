using Npa.Resolver.Model;

namespace Npa.Resolver.Selection;

/// <summary>
/// The objects the resolver works from, indexed for selection: pods by namespace (ordered by name),
/// namespaces, policies by namespace, services by namespace. Every enumeration is in ordinal
/// namespace/name order, so results never depend on the order objects arrived in.
/// </summary>
public sealed class ClusterIndex
{
    private readonly Dictionary<ObjectRef, PodInfo> _pods = new();
    private readonly SortedDictionary<string, SortedDictionary<string, PodInfo>> _podsByNamespace = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, NamespaceInfo> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _namespaceLabels = new(StringComparer.Ordinal);
    private readonly Dictionary<ObjectRef, NetworkPolicySpec> _policies = new();
    private readonly SortedDictionary<string, SortedDictionary<string, NetworkPolicySpec>> _policiesByNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<ObjectRef, ServiceInfo> _services = new();
    private readonly SortedDictionary<string, SortedDictionary<string, ServiceInfo>> _servicesByNamespace = new(StringComparer.Ordinal);

    public int PodCount => _pods.Count;

    public IReadOnlyDictionary<ObjectRef, PodInfo> PodsByRef => _pods;

    public IReadOnlyDictionary<ObjectRef, NetworkPolicySpec> PoliciesByRef => _policies;

    public IReadOnlyDictionary<ObjectRef, ServiceInfo> ServicesByRef => _services;

    public IEnumerable<string> NamespaceNames =>
        _namespaces.Keys.Union(_podsByNamespace.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal);

    public IEnumerable<NamespaceInfo> Namespaces => _namespaces.Values;

    /// <summary>Every pod, ordered by namespace then name.</summary>
    public IEnumerable<PodInfo> Pods => _podsByNamespace.Values.SelectMany(p => p.Values);

    public IEnumerable<NetworkPolicySpec> Policies => _policiesByNamespace.Values.SelectMany(p => p.Values);

    public IEnumerable<ServiceInfo> Services => _servicesByNamespace.Values.SelectMany(p => p.Values);

    public PodInfo? GetPod(ObjectRef pod) => _pods.GetValueOrDefault(pod);

    public NamespaceInfo? GetNamespace(string name) => _namespaces.GetValueOrDefault(name);

    public NetworkPolicySpec? GetPolicy(ObjectRef policy) => _policies.GetValueOrDefault(policy);

    public ServiceInfo? GetService(ObjectRef service) => _services.GetValueOrDefault(service);

    /// <summary>Labels a namespaceSelector sees for <paramref name="ns"/> (see <see cref="NamespaceLabels"/>).</summary>
    public IReadOnlyDictionary<string, string> LabelsOfNamespace(string ns)
    {
        if (!_namespaceLabels.TryGetValue(ns, out IReadOnlyDictionary<string, string>? labels))
        {
            labels = NamespaceLabels.Effective(ns, _namespaces.GetValueOrDefault(ns)?.Labels);
            _namespaceLabels[ns] = labels;
        }

        return labels;
    }

    public IEnumerable<PodInfo> PodsIn(string ns) =>
        _podsByNamespace.TryGetValue(ns, out SortedDictionary<string, PodInfo>? pods) ? pods.Values : [];

    public IEnumerable<NetworkPolicySpec> PoliciesIn(string ns) =>
        _policiesByNamespace.TryGetValue(ns, out SortedDictionary<string, NetworkPolicySpec>? p) ? p.Values : [];

    public IEnumerable<ServiceInfo> ServicesIn(string ns) =>
        _servicesByNamespace.TryGetValue(ns, out SortedDictionary<string, ServiceInfo>? s) ? s.Values : [];

    /// <summary>Pods a policy applies to: pods of its namespace matched by its podSelector, host-network pods excepted.</summary>
    public IEnumerable<PodInfo> TargetsOf(NetworkPolicySpec policy) =>
        PodsIn(policy.Namespace).Where(p => !p.HostNetwork && policy.PodSelector.Matches(p.Labels));

    /// <summary>Pods selected by a pod-selecting peer of a policy in <paramref name="policyNamespace"/>, in name order.</summary>
    public IEnumerable<PodInfo> PodsSelectedBy(PolicyPeer peer, string policyNamespace)
    {
        if (peer.IpBlock is not null)
        {
            yield break;
        }

        IEnumerable<string> namespaces = peer.NamespaceSelector is null
            ? [policyNamespace]
            : _podsByNamespace.Keys.Where(ns => peer.NamespaceSelector.Matches(LabelsOfNamespace(ns)));
        foreach (string ns in namespaces)
        {
            foreach (PodInfo pod in PodsIn(ns))
            {
                if (!pod.HostNetwork && (peer.PodSelector is null || peer.PodSelector.Matches(pod.Labels)))
                {
                    yield return pod;
                }
            }
        }
    }

    /// <summary>Pods behind a Service: pods of its namespace matched by its (non-empty) selector.</summary>
    public IEnumerable<PodInfo> BackendsOf(ServiceInfo service)
    {
        if (service.Selector is null || service.Selector.Count == 0)
        {
            return [];
        }

        IReadOnlyDictionary<string, string> selector = service.Selector;
        return PodsIn(service.Namespace).Where(p => p.Ips.Count > 0 && Backs(selector, p));

        static bool Backs(IReadOnlyDictionary<string, string> selector, PodInfo pod)
        {
            foreach (KeyValuePair<string, string> kv in selector)
            {
                if (!pod.Labels.TryGetValue(kv.Key, out string? v) || v != kv.Value)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Adds or replaces a pod; returns the previous version.</summary>
    public PodInfo? Upsert(PodInfo pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        _pods.TryGetValue(pod.Ref, out PodInfo? old);
        _pods[pod.Ref] = pod;
        GetOrAdd(_podsByNamespace, pod.Namespace)[pod.Name] = pod;
        return old;
    }

    public PodInfo? RemovePod(ObjectRef pod)
    {
        if (!_pods.Remove(pod, out PodInfo? old))
        {
            return null;
        }

        Remove(_podsByNamespace, pod.Namespace, pod.Name);
        return old;
    }

    public NamespaceInfo? Upsert(NamespaceInfo ns)
    {
        ArgumentNullException.ThrowIfNull(ns);
        _namespaces.TryGetValue(ns.Name, out NamespaceInfo? old);
        _namespaces[ns.Name] = ns;
        _namespaceLabels.Remove(ns.Name);
        return old;
    }

    public NamespaceInfo? RemoveNamespace(string name)
    {
        _namespaces.Remove(name, out NamespaceInfo? old);
        _namespaceLabels.Remove(name);
        return old;
    }

    public NetworkPolicySpec? Upsert(NetworkPolicySpec policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policies.TryGetValue(policy.Ref, out NetworkPolicySpec? old);
        _policies[policy.Ref] = policy;
        GetOrAdd(_policiesByNamespace, policy.Namespace)[policy.Name] = policy;
        return old;
    }

    public NetworkPolicySpec? RemovePolicy(ObjectRef policy)
    {
        if (!_policies.Remove(policy, out NetworkPolicySpec? old))
        {
            return null;
        }

        Remove(_policiesByNamespace, policy.Namespace, policy.Name);
        return old;
    }

    public ServiceInfo? Upsert(ServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(service);
        _services.TryGetValue(service.Ref, out ServiceInfo? old);
        _services[service.Ref] = service;
        GetOrAdd(_servicesByNamespace, service.Namespace)[service.Name] = service;
        return old;
    }

    public ServiceInfo? RemoveService(ObjectRef service)
    {
        if (!_services.Remove(service, out ServiceInfo? old))
        {
            return null;
        }

        Remove(_servicesByNamespace, service.Namespace, service.Name);
        return old;
    }

    private static SortedDictionary<string, T> GetOrAdd<T>(SortedDictionary<string, SortedDictionary<string, T>> map, string ns)
    {
        if (!map.TryGetValue(ns, out SortedDictionary<string, T>? inner))
        {
            inner = new SortedDictionary<string, T>(StringComparer.Ordinal);
            map[ns] = inner;
        }

        return inner;
    }

    private static void Remove<T>(SortedDictionary<string, SortedDictionary<string, T>> map, string ns, string name)
    {
        if (map.TryGetValue(ns, out SortedDictionary<string, T>? inner) && inner.Remove(name) && inner.Count == 0)
        {
            map.Remove(ns);
        }
    }
}
