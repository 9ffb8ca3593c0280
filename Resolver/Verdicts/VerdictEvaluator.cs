using System.Net;
using System.Net.Sockets;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;

namespace Npa.Resolver.Verdicts;

/// <summary>
/// Decides whether a probe from one pod to another passes, from the resolved state alone.
/// Traffic from a pod to itself always passes. Otherwise, for each address family both pods have
/// (IPv4 first), the source's first address of that family and the destination's first address of
/// that family are taken: the probe passes when, for some family, the source's egress allows the
/// destination address and the destination's ingress allows the source address on the probe's
/// protocol and port. A named probe port means the number the destination pod declares under that name.
/// An <see cref="IpFamily"/> other than <see cref="IpFamily.Any"/> restricts the families tried to that one.
/// </summary>
public static class VerdictEvaluator
{
    public static ConnectionVerdict Evaluate(ResolvedCluster cluster, ObjectRef from, ObjectRef to, Probe probe) =>
        Evaluate(cluster, from, to, probe, IpFamily.Any);

    public static ConnectionVerdict Evaluate(ResolvedCluster cluster, ObjectRef from, ObjectRef to, Probe probe, IpFamily family)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(probe);
        if (!cluster.Pods.TryGetValue(from, out PodInfo? src))
        {
            throw new ArgumentException($"pod {from} is not known", nameof(from));
        }

        if (!cluster.Pods.TryGetValue(to, out PodInfo? dst))
        {
            throw new ArgumentException($"pod {to} is not known", nameof(to));
        }

        int? port = probe.Port;
        if (probe.PortName is not null)
        {
            IReadOnlyList<int> numbers = NamedPortResolver.Resolve(dst, probe.PortName, probe.Protocol);
            if (numbers.Count == 0)
            {
                return new ConnectionVerdict(from, to, probe, Verdict.Deny,
                    $"{to} declares no {probe.ProtocolText} port named '{probe.PortName}'", null, null, null, null, null);
            }

            port = numbers[0];
        }

        if (from == to)
        {
            return new ConnectionVerdict(from, to, probe, Verdict.Allow, "a pod may always reach itself", port,
                src.Ips.Count > 0 ? src.Ips[0] : null, dst.Ips.Count > 0 ? dst.Ips[0] : null, null, null);
        }

        PodPolicy srcPolicy = cluster.PodPolicies.GetValueOrDefault(from) ?? Open(src);
        PodPolicy dstPolicy = cluster.PodPolicies.GetValueOrDefault(to) ?? Open(dst);
        ConnectionVerdict? first = null;
        foreach (AddressFamily addressFamily in family.AddressFamilies())
        {
            IPAddress? srcIp = src.Ips.FirstOrDefault(ip => ip.AddressFamily == addressFamily);
            IPAddress? dstIp = dst.Ips.FirstOrDefault(ip => ip.AddressFamily == addressFamily);
            if (srcIp is null || dstIp is null)
            {
                continue;
            }

            DirectionVerdict egress = Check(Direction.Egress, from, srcPolicy.Egress, dstIp, probe.Protocol, port!.Value);
            DirectionVerdict ingress = Check(Direction.Ingress, to, dstPolicy.Ingress, srcIp, probe.Protocol, port.Value);
            bool allowed = egress.Allowed && ingress.Allowed;
            string reason = allowed ? "allowed by both sides"
                : !egress.Allowed && !ingress.Allowed ? $"denied by the egress of {from} and the ingress of {to}"
                : !egress.Allowed ? $"denied by the egress of {from}"
                : $"denied by the ingress of {to}";
            ConnectionVerdict verdict = new(from, to, probe, allowed ? Verdict.Allow : Verdict.Deny, reason, port, srcIp, dstIp, egress, ingress);
            if (allowed)
            {
                return verdict;
            }

            first ??= verdict;
        }

        string none = family == IpFamily.Any
            ? $"{from} and {to} share no address family (a pod without addresses is unreachable)"
            : $"{from} and {to} do not both have an {family} address";
        return first ?? new ConnectionVerdict(from, to, probe, Verdict.Deny, none, port, null, null, null, null);
    }

    /// <summary>Whether one direction's resolved policy lets a packet with this peer address, protocol and destination port through.</summary>
    public static DirectionVerdict Check(Direction direction, ObjectRef pod, DirectionPolicy policy, IPAddress peer, Protocol protocol, int port)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!policy.Isolated)
        {
            return new DirectionVerdict(direction, pod, false, true, [], []);
        }

        List<AllowRule> matching = [];
        foreach (AllowRule rule in policy.Rules)
        {
            if (Matches(rule, peer, protocol, port))
            {
                matching.Add(rule);
            }
        }

        return new DirectionVerdict(direction, pod, true, matching.Count > 0, policy.IsolatingPolicies, matching);
    }

    /// <summary>True when the peer address is in the rule's CIDR and outside its holes, and the rule's ports match.</summary>
    public static bool Matches(AllowRule rule, IPAddress peer, Protocol protocol, int port)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (!rule.Ports.Allows(protocol, port) || !rule.Cidr.Contains(peer))
        {
            return false;
        }

        foreach (IpPrefix hole in rule.Except)
        {
            if (hole.Contains(peer))
            {
                return false;
            }
        }

        return true;
    }

    private static PodPolicy Open(PodInfo pod) => new(pod.Ref, pod.Ips, DirectionPolicy.Open, DirectionPolicy.Open);
}
