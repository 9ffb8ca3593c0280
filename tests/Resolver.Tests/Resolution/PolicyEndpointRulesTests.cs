using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;

namespace Npa.Resolver.Tests.Resolution;

public class PolicyEndpointRulesTests
{
    private static readonly PodInfo Web = new("default", "web-1", new Dictionary<string, string> { ["app"] = "web" }, [IPAddress.Parse("10.0.0.5")], []);
    private static readonly PodInfo Db = new("default", "db-1", new Dictionary<string, string> { ["app"] = "db" }, [IPAddress.Parse("10.0.0.6")], []);

    private static PolicyEndpointSpec Chunk(string name, string policy, Direction[] isolation, PodInfo[] selected,
        EndpointInfo[]? ingress = null, EndpointInfo[]? egress = null) =>
        new("default", name, policy + "-", new PolicyReference(policy, "default"), LabelSelector.Everything, isolation,
            [.. selected.Select(p => new PodEndpoint("192.168.0.1", p.Ips[0].ToString(), p.Name, p.Namespace))],
            ingress ?? [], egress ?? []);

    [Fact]
    public void PodNamedByNoPolicyEndpoint_IsOpenBothWays()
    {
        IReadOnlyDictionary<ObjectRef, PodPolicy> result = PolicyEndpointRules.Resolve(
            [Chunk("web-abc", "web", [Direction.Ingress], [Web])], [Web, Db]);

        Assert.False(result[Db.Ref].Ingress.Isolated);
        Assert.False(result[Db.Ref].Egress.Isolated);
    }

    [Fact]
    public void ChunksOfOnePolicy_AreAppliedTogether_SelectedPodsFromOneChunk_RulesFromAnother()
    {
        EndpointInfo fromDb = new("10.0.0.6", [], [new EndpointPort(Protocol.Tcp, 80, null), new EndpointPort(Protocol.Udp, 53, 60)]);
        EndpointInfo fromNet = new("10.1.0.0/16", ["10.1.2.0/24"], []);
        IReadOnlyDictionary<ObjectRef, PodPolicy> result = PolicyEndpointRules.Resolve(
            [
                Chunk("web-aaaaa", "web", [Direction.Ingress], [Web]),
                Chunk("web-bbbbb", "web", [Direction.Ingress], [], ingress: [fromDb, fromNet]),
            ],
            [Web]);

        DirectionPolicy ingress = result[Web.Ref].Ingress;
        Assert.True(ingress.Isolated);
        Assert.Equal([new ObjectRef("default", "web")], ingress.IsolatingPolicies);
        Assert.Contains(ingress.Rules, r => r.Cidr == IpPrefix.Parse("10.0.0.6/32") && r.Ports == L4Match.Single(Protocol.Tcp, 80));
        Assert.Contains(ingress.Rules, r => r.Cidr == IpPrefix.Parse("10.0.0.6/32") && r.Ports == new L4Match(Protocol.Udp, 53, 60));
        AllowRule net = Assert.Single(ingress.Rules, r => r.Cidr == IpPrefix.Parse("10.1.0.0/16"));
        Assert.Equal(L4Match.Any, net.Ports);
        Assert.Equal([IpPrefix.Parse("10.1.2.0/24")], net.Except);
        Assert.False(result[Web.Ref].Egress.Isolated);
    }

    [Fact]
    public void EgressIsolationWithoutRules_DeniesAllEgress()
    {
        IReadOnlyDictionary<ObjectRef, PodPolicy> result = PolicyEndpointRules.Resolve(
            [Chunk("deny-xyz", "deny", [Direction.Ingress, Direction.Egress], [Web])], [Web]);

        Assert.True(result[Web.Ref].Egress.Isolated);
        Assert.Empty(result[Web.Ref].Egress.Rules);
        Assert.True(result[Web.Ref].Ingress.Isolated);
    }

    [Fact]
    public void RulesOfEveryPolicySelectingThePod_AreUnited()
    {
        IReadOnlyDictionary<ObjectRef, PodPolicy> result = PolicyEndpointRules.Resolve(
            [
                Chunk("a-1", "a", [Direction.Egress], [Web], egress: [new EndpointInfo("10.0.0.6", [], [new EndpointPort(Protocol.Tcp, 5432, null)])]),
                Chunk("b-1", "b", [Direction.Egress], [Web], egress: [new EndpointInfo("0.0.0.0/0", [], [new EndpointPort(Protocol.Udp, 53, null)])]),
            ],
            [Web]);

        DirectionPolicy egress = result[Web.Ref].Egress;
        Assert.Equal(2, egress.Rules.Count);
        Assert.Equal(["a", "b"], egress.Rules.Select(r => r.Source.PolicyName));
        Assert.Equal(2, egress.IsolatingPolicies.Count);
    }
}
