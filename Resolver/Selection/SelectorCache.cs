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
    private readonly Dictionary<string, PodInfo[]> _peers = new(StringComparer.Ordinal);
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
        string key = (peer.NamespaceSelector is null ? policyNamespace : "") + "|" + peer;
        if (!_peers.TryGetValue(key, out PodInfo[]? pods))
        {
            pods = _index.PodsSelectedBy(peer, policyNamespace).ToArray();
            _peers[key] = pods;
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
        _peers.Clear();
        _backends.Clear();
        _podsWithIps = null;
    }
}
