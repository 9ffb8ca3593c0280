using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Tests.Shared.Builders;
using Npa.Tests.Shared.Oracle;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Resolution;

public class PolicyEndpointBuilderTests
{
    private static ClusterBuilder Cluster() => new ClusterBuilder()
        .Namespace("web", "team=web")
        .Namespace("db", "team=db")
        .Pod(Pod("web/front", "app=front", "10.0.0.1", "http=8080") with { HostIp = "192.168.1.1" })
        .Pod(Pod("web/api", "app=api", "10.0.0.2", "http=9090") with { HostIp = "192.168.1.2" })
        .Pod(Pod("db/pg", "app=pg", "10.0.1.1,fd00::11", "pg=5432") with { HostIp = "192.168.1.3" });

    private static IReadOnlyList<PolicyEndpointSpec> Build(ClusterBuilder cluster, string policy, int chunkSize = PolicyEndpointBuilder.DefaultChunkSize)
    {
        ResolverState state = ResolverState.FromSnapshot(cluster.Build());
        ObjectRef r = ObjectRef.TryParse(policy, out ObjectRef parsed) ? parsed : throw new ArgumentException($"'{policy}' is not namespace/name", nameof(policy));
        return PolicyEndpointBuilder.Build(state, r, chunkSize);
    }

    [Fact]
    public void PolicyEndpoint_CarriesTheControllersFields()
    {
        NetworkPolicySpec policy = Ingress("db", "pg-from-web", "app=pg", From(Namespaces("team=web"), Tcp(5432)), From(Block("172.16.0.0/12", "172.16.5.0/24"))) with { Uid = "uid-1" };
        PolicyEndpointSpec pe = Assert.Single(Build(Cluster().Policy(policy), "db/pg-from-web"));

        Assert.Equal("db", pe.Namespace);
        Assert.Equal("", pe.Name);
        Assert.Equal("pg-from-web-", pe.GenerateName);
        Assert.Equal(new PolicyReference("pg-from-web", "db"), pe.PolicyRef);
        Assert.Equal(policy.PodSelector, pe.PodSelector);
        Assert.Equal([Direction.Ingress], pe.PodIsolation);
        Assert.Equal("uid-1", pe.OwnerUid);
        Assert.Equal([new PodEndpoint("192.168.1.3", "10.0.1.1", "pg", "db"), new PodEndpoint("192.168.1.3", "fd00::11", "pg", "db")], pe.PodSelectorEndpoints);
        Assert.Equal(
            [
                new EndpointInfo("10.0.0.1", [], [new EndpointPort(Protocol.Tcp, 5432, null)]),
                new EndpointInfo("10.0.0.2", [], [new EndpointPort(Protocol.Tcp, 5432, null)]),
                new EndpointInfo("172.16.0.0/12", ["172.16.5.0/24"], []),
            ],
            pe.Ingress);
        Assert.Empty(pe.Egress);
    }

    [Fact]
    public void EgressNamedPorts_AreResolvedPerPeerPod_AndServicesAddTheirClusterIp()
    {
        ClusterBuilder cluster = Cluster()
            .Service(Service("web/api", "app=api", "172.20.0.20", ServicePort(80, "http")))
            .Policy(Egress("db", "pg-to-web", "", Rule([Namespaces("team=web")], Named("http"), Tcp(443, 445))));
        PolicyEndpointSpec pe = Assert.Single(Build(cluster, "db/pg-to-web"));
        Assert.Equal([Direction.Egress], pe.PodIsolation);
        Assert.Equal(
            [
                new EndpointInfo("10.0.0.1", [], [new EndpointPort(Protocol.Tcp, 443, 445), new EndpointPort(Protocol.Tcp, 8080, null)]),
                new EndpointInfo("10.0.0.2", [], [new EndpointPort(Protocol.Tcp, 443, 445), new EndpointPort(Protocol.Tcp, 9090, null)]),
                new EndpointInfo("172.20.0.20", [], [new EndpointPort(Protocol.Tcp, 80, null)]),
            ],
            pe.Egress);
    }

    [Fact]
    public void SameAddressFromSeveralRules_IsOneEntry_AndEveryPortAbsorbsTheRest()
    {
        ClusterBuilder cluster = Cluster().Policy(Ingress("db", "merge", "",
            From(Pods("app=none")),
            From(Namespaces("team=web"), Tcp(80)),
            From(PodsInNamespaces("team=web", "app=front"))));
        PolicyEndpointSpec pe = Assert.Single(Build(cluster, "db/merge"));
        Assert.Equal(
            [new EndpointInfo("10.0.0.1", [], []), new EndpointInfo("10.0.0.2", [], [new EndpointPort(Protocol.Tcp, 80, null)])],
            pe.Ingress);
    }

    [Fact]
    public void LongLists_AreSplitIntoChunks_InAStableOrder()
    {
        ClusterBuilder cluster = new ClusterBuilder().Namespace("x");
        for (int i = 9; i >= 1; i--)
        {
            cluster.Pod($"x/p{i}", "app=p", $"10.0.0.{i}");
        }

        cluster.Policy(Ingress("x", "from-all-p", "app=p", From(Pods("app=p"))));
        IReadOnlyList<PolicyEndpointSpec> chunks = Build(cluster, "x/from-all-p", chunkSize: 4);

        Assert.Equal(3, chunks.Count);
        Assert.All(chunks, c => Assert.True(c.Ingress.Count <= 4 && c.PodSelectorEndpoints.Count <= 4));
        Assert.Equal(Enumerable.Range(1, 9).Select(i => $"10.0.0.{i}"), chunks.SelectMany(c => c.Ingress).Select(e => e.Cidr));
        Assert.Equal(Enumerable.Range(1, 9).Select(i => $"p{i}"), chunks.SelectMany(c => c.PodSelectorEndpoints).Select(e => e.Name));
        Assert.All(chunks, c => Assert.Equal("from-all-p-", c.GenerateName));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void PolicyEndpoints_DoNotDependOnInputOrderOrOnHowTheStateWasReached(int seed)
    {
        RandomCluster cluster = RandomCluster.Generate(seed);
        ClusterSnapshot snapshot = new(cluster.Namespaces, cluster.Pods, cluster.Policies, []);
        IReadOnlyList<PolicyEndpointSpec> expected = PolicyEndpointBuilder.BuildAll(ResolverState.FromSnapshot(snapshot), chunkSize: 3);

        Random rng = new(seed);
        ResolverEvent[] events = snapshot.ToEvents().ToArray();
        rng.Shuffle(events);
        ResolverState incremental = new();
        incremental.ApplyAll(events);

        Assert.Equal(expected, PolicyEndpointBuilder.BuildAll(incremental, chunkSize: 3));
    }

    [Fact]
    public void EmptyFrom_IsBothWholeAddressSpaces()
    {
        PolicyEndpointSpec pe = Assert.Single(Build(Cluster().Policy(Ingress("db", "open", "", FromAnywhere(Udp(53)))), "db/open"));
        Assert.Equal(
            [new EndpointInfo("0.0.0.0/0", [], [new EndpointPort(Protocol.Udp, 53, null)]), new EndpointInfo("::/0", [], [new EndpointPort(Protocol.Udp, 53, null)])],
            pe.Ingress);
    }
}
