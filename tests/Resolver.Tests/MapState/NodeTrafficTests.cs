using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Resolver.Tests.MapState;

public class NodeTrafficTests
{
    private static readonly IPAddress Node = IPAddress.Parse("192.168.1.10");
    private static readonly RuleRef WebRule = new("default", "web", Direction.Ingress, 0, "podSelector app=web");

    private static PodPolicy Pod(DirectionPolicy ingress, DirectionPolicy egress) =>
        new(new ObjectRef("default", "web-1"), [IPAddress.Parse("10.0.0.5")], ingress, egress);

    [Fact]
    public void IsolatedDirection_GainsAnAllowEverythingRuleForTheNode()
    {
        DirectionPolicy isolated = new(true, [new AllowRule(IpPrefix.Parse("10.0.0.0/24"), [], L4Match.Single(Protocol.Tcp, 80), WebRule)], [new ObjectRef("default", "web")]);

        PodPolicy result = NodeTraffic.Allow(Pod(isolated, DirectionPolicy.Open), [Node]);

        AllowRule node = Assert.Single(result.Ingress.Rules, r => r.Source == NodeTraffic.Rule(Direction.Ingress));
        Assert.Equal(IpPrefix.Parse("192.168.1.10/32"), node.Cidr);
        Assert.True(node.Ports.Allows(Protocol.Udp, 53));
        Assert.Contains(result.Ingress.Rules, r => r.Source == WebRule);
        Assert.Same(DirectionPolicy.Open, result.Egress);
    }

    [Fact]
    public void OpenDirections_StayOpen_AndTheSamePolicyIsReturned()
    {
        PodPolicy open = Pod(DirectionPolicy.Open, DirectionPolicy.Open);
        Assert.Same(open, NodeTraffic.Allow(open, [Node]));
    }

    [Fact]
    public void AddingTwice_ChangesNothing()
    {
        DirectionPolicy denyAll = new(true, [], [new ObjectRef("default", "deny")]);
        PodPolicy once = NodeTraffic.Allow(Pod(denyAll, denyAll), [Node, IPAddress.Parse("fd00::10")]);
        PodPolicy twice = NodeTraffic.Allow(once, [Node, IPAddress.Parse("fd00::10")]);

        Assert.Same(once, twice);
        Assert.Equal(2, once.Ingress.Rules.Count);
        Assert.Equal(2, once.Egress.Rules.Count);
        Assert.Contains(once.Egress.Rules, r => r.Cidr == IpPrefix.Parse("fd00::10/128"));
    }
}
