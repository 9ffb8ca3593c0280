using System.Net;
using Npa.Resolver.Model;

namespace Npa.Resolver.MapState;

/// <summary>
/// Traffic between a pod and the node it runs on is always allowed, whatever the policies say
/// (kubelet probes, node-local DNS caches): NetworkPolicy cannot block a pod's own node. The node
/// agent adds its node's addresses to every isolated direction of its pods with this.
/// </summary>
public static class NodeTraffic
{
    /// <summary>The rule reference flow logs and <c>npa ebpf dump</c> show for node traffic.</summary>
    public static RuleRef Rule(Direction direction) => new("", "node", direction, 0, "the pod's own node");

    /// <summary>
    /// <paramref name="policy"/> with an allow-everything rule for each of <paramref name="nodeIps"/> in
    /// each isolated direction. Open directions stay open; a policy already carrying the rules is returned as is.
    /// </summary>
    public static PodPolicy Allow(PodPolicy policy, IReadOnlyList<IPAddress> nodeIps)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(nodeIps);
        if (nodeIps.Count == 0)
        {
            return policy;
        }

        DirectionPolicy ingress = WithNode(policy.Ingress, nodeIps, Direction.Ingress);
        DirectionPolicy egress = WithNode(policy.Egress, nodeIps, Direction.Egress);
        return ReferenceEquals(ingress, policy.Ingress) && ReferenceEquals(egress, policy.Egress)
            ? policy
            : policy with { Ingress = ingress, Egress = egress };
    }

    private static DirectionPolicy WithNode(DirectionPolicy direction, IReadOnlyList<IPAddress> nodeIps, Direction which)
    {
        if (!direction.Isolated)
        {
            return direction;
        }

        RuleRef rule = Rule(which);
        List<AllowRule> added = [];
        foreach (IPAddress ip in nodeIps)
        {
            AllowRule allow = new(IpPrefix.Host(ip), [], L4Match.Any, rule);
            if (!direction.Rules.Contains(allow))
            {
                added.Add(allow);
            }
        }

        return added.Count == 0 ? direction : direction with { Rules = [.. direction.Rules, .. added] };
    }
}
