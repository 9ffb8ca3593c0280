using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Selection;

namespace Npa.Resolver.Resolution;

/// <summary>
/// Turns the rules of one NetworkPolicy into allow entries, once per policy: pod peers become one host
/// prefix per pod address, ipBlocks keep their CIDR and holes, an empty peer list becomes 0.0.0.0/0 and ::/0,
/// named ports are resolved per destination pod, and egress towards pods behind a Service also allows
/// the Service's cluster IPs on the service port.
/// </summary>
internal static class RuleResolver
{
    public const string AllPeersText = "all peers";

    private static readonly IpPrefix[] Everywhere = [new(IPAddress.Any, 0), new(IPAddress.IPv6Any, 0)];

    public static PolicyResolution Resolve(NetworkPolicySpec policy, ClusterIndex index, SelectorCache cache)
    {
        ResolvedRule[] ingress = (policy.PolicyTypes & PolicyTypes.Ingress) != 0
            ? policy.Ingress.Select((r, i) => ResolveRule(policy, Direction.Ingress, r, i, index, cache)).ToArray()
            : [];
        ResolvedRule[] egress = (policy.PolicyTypes & PolicyTypes.Egress) != 0
            ? policy.Egress.Select((r, i) => ResolveRule(policy, Direction.Egress, r, i, index, cache)).ToArray()
            : [];
        return new PolicyResolution(policy, ingress, egress);
    }

    /// <summary>The L4 matches of a rule's numeric ports: every protocol and port when the rule has no ports.</summary>
    public static List<L4Match> NumericMatches(PolicyRule rule)
    {
        if (rule.Ports.Count == 0)
        {
            return [L4Match.Any];
        }

        List<L4Match> matches = [];
        foreach (PolicyPort port in rule.Ports)
        {
            if (port.NamedPort is not null)
            {
                continue;
            }

            L4Match m = port.Port is null ? L4Match.AllPorts(port.Protocol) : new L4Match(port.Protocol, port.Port.Value, port.EndPort ?? port.Port.Value);
            if (!matches.Contains(m))
            {
                matches.Add(m);
            }
        }

        return matches;
    }

    /// <summary>The text naming a peer in a <see cref="RuleRef"/>.</summary>
    public static string PeerText(PolicyPeer? peer) => peer is null ? AllPeersText : peer.ToString();

    /// <summary>True when the rule's ports let traffic reach <paramref name="port"/>/<paramref name="protocol"/> on <paramref name="destination"/>.</summary>
    public static bool PortsAllow(PolicyRule rule, PodInfo destination, Protocol protocol, int port)
    {
        if (rule.Ports.Count == 0)
        {
            return true;
        }

        foreach (PolicyPort p in rule.Ports)
        {
            if (p.Protocol != protocol)
            {
                continue;
            }

            if (p.NamedPort is not null)
            {
                if (NamedPortResolver.Resolve(destination, p.NamedPort, protocol).Contains(port))
                {
                    return true;
                }
            }
            else if (p.Port is null || (port >= p.Port && port <= (p.EndPort ?? p.Port)))
            {
                return true;
            }
        }

        return false;
    }

    private static ResolvedRule ResolveRule(NetworkPolicySpec policy, Direction direction, PolicyRule rule, int ruleIndex, ClusterIndex index, SelectorCache cache)
    {
        List<L4Match> numeric = NumericMatches(rule);
        PolicyPort[] named = rule.Ports.Where(p => p.NamedPort is not null).ToArray();
        List<AllowRule> shared = [];
        List<PeerBlock> namedPeers = [];
        IReadOnlyList<PolicyPeer?> peers = rule.Peers.Count == 0 ? new PolicyPeer?[] { null } : rule.Peers.ToArray<PolicyPeer?>();

        foreach (PolicyPeer? peer in peers)
        {
            RuleRef source = new(policy.Namespace, policy.Name, direction, ruleIndex, PeerText(peer));
            if (peer is null || peer.IpBlock is not null)
            {
                IReadOnlyList<IpPrefix> except = peer?.IpBlock!.Except ?? [];
                IReadOnlyList<IpPrefix> cidrs = peer is null ? Everywhere : [peer.IpBlock!.Cidr];
                foreach (IpPrefix cidr in cidrs)
                {
                    foreach (L4Match m in numeric)
                    {
                        shared.Add(new AllowRule(cidr, except, m, source));
                    }

                    if (named.Length > 0 && direction == Direction.Ingress)
                    {
                        namedPeers.Add(new PeerBlock(cidr, except, source));
                    }
                }

                if (direction == Direction.Egress)
                {
                    if (named.Length > 0)
                    {
                        // A named port only means something on a pod: resolve it on every pod the block covers.
                        foreach (PodInfo pod in cache.PodsWithIps())
                        {
                            AddNamedEgress(shared, pod, named, source, cache, ip => InBlock(cidrs, except, ip));
                        }
                    }

                    if (peer is not null)
                    {
                        AddServiceRules(shared, rule, source, index.Services, cache,
                            pod => pod.Ips.Any(ip => InBlock(cidrs, except, ip)));
                    }
                }

                continue;
            }

            PodInfo[] selected = cache.PodsSelectedBy(peer, policy.Namespace);
            foreach (PodInfo pod in selected)
            {
                foreach (IPAddress ip in pod.Ips)
                {
                    IpPrefix host = cache.HostOf(ip);
                    foreach (L4Match m in numeric)
                    {
                        shared.Add(new AllowRule(host, [], m, source));
                    }

                    if (named.Length > 0 && direction == Direction.Ingress)
                    {
                        namedPeers.Add(new PeerBlock(host, [], source));
                    }
                }

                if (named.Length > 0 && direction == Direction.Egress)
                {
                    AddNamedEgress(shared, pod, named, source, cache, _ => true);
                }
            }

            if (direction == Direction.Egress && selected.Length > 0)
            {
                HashSet<string> namespaces = selected.Select(p => p.Namespace).ToHashSet(StringComparer.Ordinal);
                IEnumerable<ServiceInfo> services = namespaces.Order(StringComparer.Ordinal).SelectMany(index.ServicesIn);
                HashSet<ObjectRef>? members = null;
                AddServiceRules(shared, rule, source, services, cache,
                    pod => (members ??= selected.Select(p => p.Ref).ToHashSet()).Contains(pod.Ref));
            }
        }

        return new ResolvedRule(shared, namedPeers, direction == Direction.Ingress ? named : []);
    }

    private static void AddNamedEgress(List<AllowRule> rules, PodInfo pod, PolicyPort[] named, RuleRef source, SelectorCache cache, Func<IPAddress, bool> ipAllowed)
    {
        foreach (IPAddress ip in pod.Ips)
        {
            if (!ipAllowed(ip))
            {
                continue;
            }

            foreach (PolicyPort port in named)
            {
                foreach (int number in NamedPortResolver.Resolve(pod, port.NamedPort!, port.Protocol))
                {
                    rules.Add(new AllowRule(cache.HostOf(ip), [], L4Match.Single(port.Protocol, number), source));
                }
            }
        }
    }

    private static void AddServiceRules(List<AllowRule> rules, PolicyRule rule, RuleRef source,
        IEnumerable<ServiceInfo> services, SelectorCache cache, Func<PodInfo, bool> backendAllowed)
    {
        HashSet<AllowRule> added = [];
        List<PodInfo> backends = [];
        foreach (ServiceInfo service in services)
        {
            if (service.ClusterIps.Count == 0 || service.Selector is null || service.Selector.Count == 0)
            {
                continue;
            }

            PodInfo[] all = cache.BackendsOf(service);
            backends.Clear();
            foreach (PodInfo b in all)
            {
                if (backendAllowed(b))
                {
                    backends.Add(b);
                }
            }

            if (backends.Count == 0)
            {
                continue;
            }

            RuleRef? viaService = null;
            foreach (ServicePort sp in service.Ports)
            {
                if (!AnyBackendAllows(rule, sp, backends))
                {
                    continue;
                }

                viaService ??= source with { Peer = $"{source.Peer} via service {service.Ref}" };

                foreach (IPAddress clusterIp in service.ClusterIps)
                {
                    AllowRule entry = new(IpPrefix.Host(clusterIp), [], L4Match.Single(sp.Protocol, sp.Port), viaService);
                    if (added.Add(entry))
                    {
                        rules.Add(entry);
                    }
                }
            }
        }
    }

    private static bool AnyBackendAllows(PolicyRule rule, ServicePort sp, List<PodInfo> backends)
    {
        foreach (PodInfo b in backends)
        {
            if (NamedPortResolver.TargetOn(sp, b) is int target && PortsAllow(rule, b, sp.Protocol, target))
            {
                return true;
            }
        }

        return false;
    }

    private static bool InBlock(IReadOnlyList<IpPrefix> cidrs, IReadOnlyList<IpPrefix> except, IPAddress ip)
    {
        bool inside = false;
        foreach (IpPrefix c in cidrs)
        {
            inside |= c.Contains(ip);
        }

        if (!inside)
        {
            return false;
        }

        foreach (IpPrefix e in except)
        {
            if (e.Contains(ip))
            {
                return false;
            }
        }

        return true;
    }
}
