using Npa.Resolver.Model;

namespace Npa.Resolver.Selection;

/// <summary>
/// Remembers which pods a peer selects, so policies sharing a selector resolve it once. Valid while the
/// <see cref="ClusterIndex"/> is unchanged; on a pod change the owner calls <see cref="InvalidatePod"/>
/// (which drops only the entries that include either version of the pod), on other changes <see cref="Clear"/>.
/// </summary>
public sealed class SelectorCache
{
    private readonly ClusterIndex _index;
    // Keyed by text: LabelSelector hashes only by counts, so selector objects make poor keys.
    // Peers with only a podSelector are filed by the namespace they select in, so a pod change drops only its namespace's.
    private readonly Dictionary<string, Dictionary<string, CachedSelection>> _localPeers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CachedSelection> _crossNamespacePeers = new(StringComparer.Ordinal);
    private readonly Dictionary<ObjectRef, PodInfo[]> _backends = new();
    private readonly Dictionary<System.Net.IPAddress, IpPrefix> _hosts = new();
    private PodInfo[]? _podsWithIps;

    public SelectorCache(ClusterIndex index)
    {
        _index = index ?? throw new ArgumentNullException(nameof(index));
    }

    /// <summary>Pods the peer selects, ordered by namespace/name.</summary>
    public PodInfo[] PodsSelectedBy(PolicyPeer peer, string policyNamespace)
    {
        Dictionary<string, CachedSelection> map;
        if (peer.NamespaceSelector is null)
        {
            if (!_localPeers.TryGetValue(policyNamespace, out Dictionary<string, CachedSelection>? local))
            {
                local = new Dictionary<string, CachedSelection>(StringComparer.Ordinal);
                _localPeers[policyNamespace] = local;
            }

            map = local;
        }
        else
        {
            map = _crossNamespacePeers;
        }

        string key = peer.ToString();
        if (!map.TryGetValue(key, out CachedSelection? selection))
        {
            selection = new CachedSelection(peer, policyNamespace, _index.PodsSelectedBy(peer, policyNamespace).ToArray());
            map[key] = selection;
        }

        return selection.Pods;
    }

    /// <summary>A cached selection and the peer it was made for, so a pod change can tell whether it is concerned.</summary>
    private sealed record CachedSelection(PolicyPeer Peer, string PolicyNamespace, PodInfo[] Pods);

    /// <summary>Pods behind a Service, ordered by name.</summary>
    public PodInfo[] BackendsOf(ServiceInfo service)
    {
        if (!_backends.TryGetValue(service.Ref, out PodInfo[]? pods))
        {
            pods = _index.BackendsOf(service).ToArray();
            _backends[service.Ref] = pods;
        }

        return pods;
    }

    /// <summary>Every pod that has an address, ordered by namespace/name.</summary>
    public PodInfo[] PodsWithIps() => _podsWithIps ??= _index.Pods.Where(p => p.Ips.Count > 0).ToArray();

    /// <summary>The host prefix (/32 or /128) of an address, made once per address.</summary>
    public IpPrefix HostOf(System.Net.IPAddress ip)
    {
        if (!_hosts.TryGetValue(ip, out IpPrefix prefix))
        {
            prefix = IpPrefix.Host(ip);
            _hosts[ip] = prefix;
        }

        return prefix;
    }

    public void Clear()
    {
        _localPeers.Clear();
        _crossNamespacePeers.Clear();
        _backends.Clear();
        _podsWithIps = null;
    }

    /// <summary>
    /// Forgets what a change from <paramref name="old"/> to <paramref name="updated"/> (either may be null:
    /// added or deleted) can change: the selections and Service backends that include either version, and
    /// the list of pods with addresses. Selections that include neither version are unaffected.
    /// </summary>
    public void InvalidatePod(PodInfo? old, PodInfo? updated)
    {
        PodInfo any = old ?? updated ?? throw new ArgumentException("either version of the pod is needed");
        string ns = any.Namespace;
        IReadOnlyDictionary<string, string> nsLabels = _index.LabelsOfNamespace(ns);
        if (_localPeers.TryGetValue(ns, out Dictionary<string, CachedSelection>? local))
        {
            RemoveConcerned(local, old, updated, nsLabels);
        }

        RemoveConcerned(_crossNamespacePeers, old, updated, nsLabels);
        foreach (ServiceInfo service in _index.ServicesIn(ns))
        {
            if (_backends.ContainsKey(service.Ref) && (Backs(service, old) || Backs(service, updated)))
            {
                _backends.Remove(service.Ref);
            }
        }

        _podsWithIps = null;
    }

    private static void RemoveConcerned(Dictionary<string, CachedSelection> map, PodInfo? old, PodInfo? updated, IReadOnlyDictionary<string, string> nsLabels)
    {
        List<string>? stale = null;
        foreach (KeyValuePair<string, CachedSelection> kv in map)
        {
            CachedSelection s = kv.Value;
            if ((old is not null && PeerMatcher.SelectsPod(s.Peer, s.PolicyNamespace, old, nsLabels)) ||
                (updated is not null && PeerMatcher.SelectsPod(s.Peer, s.PolicyNamespace, updated, nsLabels)))
            {
                (stale ??= []).Add(kv.Key);
            }
        }

        if (stale is not null)
        {
            foreach (string key in stale)
            {
                map.Remove(key);
            }
        }
    }

    /// <summary>Same test as <see cref="ClusterIndex.BackendsOf"/> for one pod.</summary>
    private static bool Backs(ServiceInfo service, PodInfo? pod)
    {
        if (pod is null || pod.Ips.Count == 0 || service.Selector is not { Count: > 0 } selector)
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

    /// <summary>Forgets what a change to a pod of <paramref name="ns"/> can change: that namespace's selections and Services, and every cross-namespace selection.</summary>
    public void InvalidatePodsOf(string ns)
    {
        _localPeers.Remove(ns);
        _crossNamespacePeers.Clear();
        foreach (ServiceInfo service in _index.ServicesIn(ns))
        {
            _backends.Remove(service.Ref);
        }

        _podsWithIps = null;
    }
}
