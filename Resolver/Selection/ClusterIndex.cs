using Npa.Resolver.Model;

namespace Npa.Resolver.Selection;

/// <summary>
/// The objects the resolver works from, indexed for selection: pods by namespace (ordered by name),
/// namespaces, policies by namespace, services by namespace. Every enumeration is in ordinal
/// namespace/name order, so results never depend on the order objects arrived in.
/// </summary>
public sealed class ClusterIndex
{
    private readonly NamespacedStore<PodInfo> _pods = new();
    private readonly SortedDictionary<string, NamespaceInfo> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _namespaceLabels = new(StringComparer.Ordinal);
    private readonly NamespacedStore<NetworkPolicySpec> _policies = new();
    private readonly NamespacedStore<ServiceInfo> _services = new();

    public int PodCount => _pods.Count;

    public IReadOnlyDictionary<ObjectRef, PodInfo> PodsByRef => _pods.ByRef;

    public IReadOnlyDictionary<ObjectRef, NetworkPolicySpec> PoliciesByRef => _policies.ByRef;

    public IReadOnlyDictionary<ObjectRef, ServiceInfo> ServicesByRef => _services.ByRef;

    public IEnumerable<string> NamespaceNames =>
        _namespaces.Keys.Union(_pods.Namespaces, StringComparer.Ordinal).Order(StringComparer.Ordinal);

    public IEnumerable<NamespaceInfo> Namespaces => _namespaces.Values;

    /// <summary>Every pod, ordered by namespace then name.</summary>
    public IEnumerable<PodInfo> Pods => _pods.Values;

    public IEnumerable<NetworkPolicySpec> Policies => _policies.Values;

    public IEnumerable<ServiceInfo> Services => _services.Values;

    public PodInfo? GetPod(ObjectRef pod) => _pods.Get(pod);

    public NamespaceInfo? GetNamespace(string name) => _namespaces.GetValueOrDefault(name);

    public NetworkPolicySpec? GetPolicy(ObjectRef policy) => _policies.Get(policy);

    public ServiceInfo? GetService(ObjectRef service) => _services.Get(service);

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

    public IEnumerable<PodInfo> PodsIn(string ns) => _pods.In(ns);

    public IEnumerable<NetworkPolicySpec> PoliciesIn(string ns) => _policies.In(ns);

    public IEnumerable<ServiceInfo> ServicesIn(string ns) => _services.In(ns);

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
            : _pods.Namespaces.Where(ns => peer.NamespaceSelector.Matches(LabelsOfNamespace(ns)));
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
        return _pods.Upsert(pod.Ref, pod);
    }

    public PodInfo? RemovePod(ObjectRef pod) => _pods.Remove(pod);

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
        return _policies.Upsert(policy.Ref, policy);
    }

    public NetworkPolicySpec? RemovePolicy(ObjectRef policy) => _policies.Remove(policy);

    public ServiceInfo? Upsert(ServiceInfo service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return _services.Upsert(service.Ref, service);
    }

    public ServiceInfo? RemoveService(ObjectRef service) => _services.Remove(service);
}
