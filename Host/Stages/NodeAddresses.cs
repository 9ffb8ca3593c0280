using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Host.Stages;

/// <summary>
/// The node's own addresses, learned from the host IP of its pods, and the node-traffic rule they give
/// every local pod (<see cref="NodeTraffic"/>): a pod's own node always reaches it and is reachable from it.
/// </summary>
internal sealed class NodeAddresses
{
    private readonly List<IPAddress> _ips = [];

    public IReadOnlyList<IPAddress> Ips => _ips;

    /// <summary>Records the host IP of a local pod; true when it is an address not seen before.</summary>
    public bool Learn(PodInfo pod)
    {
        if (string.IsNullOrEmpty(pod.HostIp) || !IPAddress.TryParse(pod.HostIp, out IPAddress? ip) || _ips.Contains(ip))
        {
            return false;
        }

        _ips.Add(ip);
        return true;
    }

    public PodPolicy Apply(PodPolicy policy) => NodeTraffic.Allow(policy, _ips);
}
