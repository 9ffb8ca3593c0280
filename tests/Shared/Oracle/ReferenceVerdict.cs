using System.Net;
using Npa.Resolver.Model;

namespace Npa.Tests.Shared.Oracle;

/// <summary>
/// A deliberately naive reading of the NetworkPolicy API reference, used only as a test oracle:
/// it evaluates one connection directly against every policy, with no indexing, no caching and
/// no rule compilation, so it shares no code or shortcuts with the resolver.
/// </summary>
public static class ReferenceVerdict
{
    /// <summary>
    /// Whether <paramref name="src"/> may open a connection to <paramref name="dst"/> on
    /// <paramref name="protocol"/>/<paramref name="port"/>: some address family both pods have must
    /// pass both the source's egress and the destination's ingress.
    /// </summary>
    public static bool Allowed(
        IReadOnlyList<NetworkPolicySpec> policies,
        IReadOnlyList<NamespaceInfo> namespaces,
        PodInfo src,
        PodInfo dst,
        Protocol protocol,
        int port)
    {
        if (src.Ref == dst.Ref)
        {
            return true;
        }

        foreach (IPAddress srcIp in src.Ips)
        {
            foreach (IPAddress dstIp in dst.Ips.Where(ip => ip.AddressFamily == srcIp.AddressFamily))
            {
                if (DirectionAllows(policies, namespaces, src, dst, dstIp, protocol, port, egress: true) &&
                    DirectionAllows(policies, namespaces, dst, src, srcIp, protocol, port, egress: false, portOwner: dst))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool DirectionAllows(
        IReadOnlyList<NetworkPolicySpec> policies,
        IReadOnlyList<NamespaceInfo> namespaces,
        PodInfo subject,
        PodInfo peer,
        IPAddress peerIp,
        Protocol protocol,
        int port,
        bool egress,
        PodInfo? portOwner = null)
    {
        PolicyTypes type = egress ? PolicyTypes.Egress : PolicyTypes.Ingress;
        PodInfo destination = portOwner ?? peer;
        bool isolated = false;
        foreach (NetworkPolicySpec policy in policies)
        {
            if (policy.Namespace != subject.Namespace || !policy.PolicyTypes.HasFlag(type) || !policy.PodSelector.Matches(subject.Labels))
            {
                continue;
            }

            isolated = true;
            foreach (PolicyRule rule in egress ? policy.Egress : policy.Ingress)
            {
                bool peerOk = rule.Peers.Count == 0 || rule.Peers.Any(p => PeerMatches(p, policy.Namespace, namespaces, peer, peerIp));
                bool portOk = rule.Ports.Count == 0 || rule.Ports.Any(p => PortMatches(p, destination, protocol, port));
                if (peerOk && portOk)
                {
                    return true;
                }
            }
        }

        return !isolated;
    }

    private static bool PeerMatches(PolicyPeer peer, string policyNamespace, IReadOnlyList<NamespaceInfo> namespaces, PodInfo pod, IPAddress ip)
    {
        if (peer.IpBlock is { } block)
        {
            return block.Cidr.Contains(ip) && !block.Except.Any(e => e.Contains(ip));
        }

        bool nsOk = peer.NamespaceSelector is null
            ? pod.Namespace == policyNamespace
            : namespaces.Any(n => n.Name == pod.Namespace && peer.NamespaceSelector.Matches(n.Labels));
        bool podOk = peer.PodSelector is null || peer.PodSelector.Matches(pod.Labels);
        return nsOk && podOk;
    }

    private static bool PortMatches(PolicyPort rulePort, PodInfo destination, Protocol protocol, int port)
    {
        if (rulePort.Protocol != protocol)
        {
            return false;
        }

        if (rulePort.NamedPort is { } name)
        {
            return destination.Ports.Any(c => c.Name == name && c.Protocol == protocol && c.Port == port);
        }

        if (rulePort.Port is not { } first)
        {
            return true;
        }

        return port >= first && port <= (rulePort.EndPort ?? first);
    }
}
