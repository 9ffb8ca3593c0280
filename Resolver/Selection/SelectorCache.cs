using Npa.Resolver.Model;

namespace Npa.Resolver.Selection;

/// <summary>
/// Remembers which pods a peer selects, so policies sharing a selector resolve it once. Valid for one
/// pass over an unchanging <see cref="ClusterIndex"/>; the owner clears it whenever pods or namespaces change.
/// </summary>
public sealed class SelectorCache
{
    private readonly ClusterIndex _index;
    // Keyed by text: LabelSelector hashes only by counts, so selector objects make poor keys.
    // Peers with only a podSelector are filed by the namespace they select in, so a pod change drops only its namespace's.
    private readonly Dictionary<string, Dictionary<string, PodInfo[]>> _localPeers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PodInfo[]> _crossNamespacePeers = new(StringComparer.Ordinal);
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
        Dictionary<string, PodInfo[]> map;
        if (peer.NamespaceSelector is null)
        {
            if (!_localPeers.TryGetValue(policyNamespace, out Dictionary<string, PodInfo[]>? local))
            {
                local = new Dictionary<string, PodInfo[]>(StringComparer.Ordinal);
                _localPeers[policyNamespace] = local;
            }

            map = local;
        }
        else
        {
            map = _crossNamespacePeers;
        }

        string key = peer.ToString();
        if (!map.TryGetValue(key, out PodInfo[]? pods))
        {
            pods = _index.PodsSelectedBy(peer, policyNamespace).ToArray();
            map[key] = pods;
        }

        return pods;
    }

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
