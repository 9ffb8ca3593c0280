using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;
using Npa.Tests.Shared.Builders;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Resolution;

public class PolicyResolverTests
{
    private static ClusterBuilder TwoNamespaces() => new ClusterBuilder()
        .Namespace("web", "team=web")
        .Namespace("db", "team=db")
        .Pod("web/front", "app=front", "10.0.0.1,fd00::1", "http=8080/TCP")
        .Pod("web/api", "app=api", "10.0.0.2", "http=9090/TCP,metrics=9100/TCP")
        .Pod("db/pg", "app=pg", "10.0.1.1,fd00::11", "pg=5432/TCP");

    private static bool Allowed(ClusterSnapshot snapshot, string from, string to, string probe) =>
        VerdictEvaluator.Evaluate(PolicyResolver.Resolve(snapshot), Ref(from), Ref(to), Probe.Parse(probe)).Allowed;

    private static ObjectRef Ref(string id) => ObjectRef.TryParse(id, out ObjectRef r) ? r : throw new ArgumentException(id);

    private static PodPolicy PolicyOf(ClusterSnapshot snapshot, string pod) => PolicyResolver.Resolve(snapshot).PodPolicies[Ref(pod)];

    [Fact]
    public void PodSelectedByNoPolicy_IsOpenInBothDirections()
    {
        PodPolicy p = PolicyOf(TwoNamespaces().Build(), "web/front");
        Assert.False(p.Ingress.Isolated);
        Assert.False(p.Egress.Isolated);
        Assert.Empty(p.Ingress.Rules);
    }

    [Fact]
    public void IngressOnlyPolicy_IsolatesIngressAndLeavesEgressOpen()
    {
        ClusterSnapshot s = TwoNamespaces().Policy(Ingress("db", "deny", "")).Build();
        PodPolicy p = PolicyOf(s, "db/pg");
        Assert.True(p.Ingress.Isolated);
        Assert.Empty(p.Ingress.Rules);
        Assert.Equal([new ObjectRef("db", "deny")], p.Ingress.IsolatingPolicies);
        Assert.False(p.Egress.Isolated);
    }

    [Fact]
    public void EmptyFrom_AllowsEveryIPv4AndIPv6Peer()
    {
        ClusterSnapshot s = TwoNamespaces().Policy(Ingress("db", "all", "", FromAnywhere())).Build();
        PodPolicy p = PolicyOf(s, "db/pg");
        Assert.Equal(["0.0.0.0/0", "::/0"], p.Ingress.Rules.Select(r => r.Cidr.ToString()));
        Assert.All(p.Ingress.Rules, r => Assert.Equal(L4Match.Any, r.Ports));
    }

    [Fact]
    public void PodPeer_ResolvesToEveryAddressOfThePod_DualStack()
    {
        ClusterSnapshot s = TwoNamespaces().Policy(Ingress("db", "from-front", "", From(PodsInNamespaces("team=web", "app=front"), Tcp(5432)))).Build();
        PodPolicy p = PolicyOf(s, "db/pg");
        Assert.Equal(["10.0.0.1/32", "fd00::1/128"], p.Ingress.Rules.Select(r => r.Cidr.ToString()));
        Assert.True(Allowed(s, "web/front", "db/pg", "TCP/5432"));
        Assert.False(Allowed(s, "web/api", "db/pg", "TCP/5432"));
        Assert.False(Allowed(s, "web/front", "db/pg", "TCP/5433"));
    }

    [Fact]
    public void PodSelectorAlone_MeansPodsOfThePolicysOwnNamespace()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Pod("db/pg-client", "app=front", "10.0.1.2")
            .Policy(Ingress("db", "same-ns", "app=pg", From(Pods("app=front"))))
            .Build();
        Assert.True(Allowed(s, "db/pg-client", "db/pg", "TCP/5432"));
        Assert.False(Allowed(s, "web/front", "db/pg", "TCP/5432"));
    }

    [Fact]
    public void NamespaceSelectorAlone_AdmitsEveryPodOfMatchingNamespaces()
    {
        ClusterSnapshot s = TwoNamespaces().Policy(Ingress("db", "from-web", "", From(Namespaces("team=web")))).Build();
        Assert.True(Allowed(s, "web/front", "db/pg", "TCP/5432"));
        Assert.True(Allowed(s, "web/api", "db/pg", "UDP/53"));
    }

    [Fact]
    public void IpBlockExcept_CarvesHoleOnlyInItsOwnRule()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Policy(Ingress("db", "blocks", "",
                From(Block("10.0.0.0/24", "10.0.0.2/32"), Tcp(5432)),
                From(Block("10.0.0.2/31"), Tcp(6000))))
            .Build();
        Assert.True(Allowed(s, "web/front", "db/pg", "TCP/5432"));
        Assert.False(Allowed(s, "web/api", "db/pg", "TCP/5432"));
        Assert.True(Allowed(s, "web/api", "db/pg", "TCP/6000"));
    }

    [Fact]
    public void OverlappingCidrsWithDifferentPorts_EachKeepsItsOwnPorts()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Policy(Ingress("db", "wide", "", From(Block("10.0.0.0/16"), Tcp(5432))))
            .Policy(Ingress("db", "narrow", "", From(Block("10.0.0.1/32"), Tcp(7000))))
            .Build();
        Assert.True(Allowed(s, "web/front", "db/pg", "TCP/7000"));
        Assert.False(Allowed(s, "web/api", "db/pg", "TCP/7000"));
        Assert.True(Allowed(s, "web/api", "db/pg", "TCP/5432"));
    }

    [Theory]
    [InlineData(7999, false)]
    [InlineData(8000, true)]
    [InlineData(8050, true)]
    [InlineData(8100, true)]
    [InlineData(8101, false)]
    public void EndPort_AllowsTheInclusiveRange(int port, bool allowed)
    {
        ClusterSnapshot s = TwoNamespaces().Policy(Ingress("db", "range", "", FromAnywhere(Tcp(8000, 8100)))).Build();
        Assert.Equal(allowed, Allowed(s, "web/front", "db/pg", $"TCP/{port}"));
    }

    [Fact]
    public void IngressNamedPort_MeansTheNumberEachSelectedPodDeclares()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Policy(Ingress("web", "http", "", From(Namespaces("team=db"), Named("http"))))
            .Build();
        Assert.True(Allowed(s, "db/pg", "web/front", "TCP/8080"));
        Assert.False(Allowed(s, "db/pg", "web/front", "TCP/9090"));
        Assert.True(Allowed(s, "db/pg", "web/api", "TCP/9090"));
        Assert.False(Allowed(s, "db/pg", "web/api", "TCP/8080"));
    }

    [Fact]
    public void IngressNamedPort_GivesNothingToASelectedPodThatDoesNotDeclareIt()
    {
        ClusterSnapshot s = TwoNamespaces().Policy(Ingress("web", "metrics", "", FromAnywhere(Named("metrics")))).Build();
        Assert.Empty(PolicyOf(s, "web/front").Ingress.Rules);
        Assert.Equal(["TCP/9100", "TCP/9100"], PolicyOf(s, "web/api").Ingress.Rules.Select(r => r.Ports.ToString()));
    }

    [Fact]
    public void EgressNamedPort_ResolvesPerPeerPodToHostEntries()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Policy(Egress("db", "to-web-http", "", Rule([Namespaces("team=web")], Named("http"))))
            .Build();
        PodPolicy p = PolicyOf(s, "db/pg");
        Assert.Equal(["10.0.0.2/32 TCP/9090", "10.0.0.1/32 TCP/8080", "fd00::1/128 TCP/8080"],
            p.Egress.Rules.Select(r => $"{r.Cidr} {r.Ports}"));
        Assert.True(Allowed(s, "db/pg", "web/api", "TCP/9090"));
        Assert.False(Allowed(s, "db/pg", "web/api", "TCP/8080"));
    }

    [Fact]
    public void EgressNamedPortToIpBlock_ResolvesAgainstPodsInsideTheBlock()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Policy(Egress("db", "to-block", "", Rule([Block("10.0.0.0/31")], Named("http"))))
            .Build();
        Assert.Equal(["10.0.0.1/32 TCP/8080"], PolicyOf(s, "db/pg").Egress.Rules.Select(r => $"{r.Cidr} {r.Ports}"));
    }

    [Fact]
    public void HostNetworkPods_AreNeverIsolated()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Pod(Pod("db/agent", "app=pg", "192.168.0.10") with { HostNetwork = true })
            .Policy(Policy("db", "deny-all", "", PolicyTypes.Ingress | PolicyTypes.Egress))
            .Build();
        PodPolicy agent = PolicyOf(s, "db/agent");
        Assert.False(agent.Ingress.Isolated);
        Assert.False(agent.Egress.Isolated);
        Assert.True(PolicyOf(s, "db/pg").Ingress.Isolated);
    }

    [Fact]
    public void PodsWithoutAddresses_ContributeNoPeers()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Pod("web/pending", "app=front", "")
            .Policy(Ingress("db", "from-front", "", From(PodsInNamespaces("", "app=front"))))
            .Build();
        Assert.Equal(["10.0.0.1/32", "fd00::1/128"], PolicyOf(s, "db/pg").Ingress.Rules.Select(r => r.Cidr.ToString()));
    }

    [Fact]
    public void PolicyTypesWithoutRules_DeniesThatDirection()
    {
        ClusterSnapshot s = TwoNamespaces().Policy(Policy("web", "deny-egress", "app=front", PolicyTypes.Egress)).Build();
        Assert.False(Allowed(s, "web/front", "db/pg", "TCP/5432"));
        Assert.True(Allowed(s, "web/api", "db/pg", "TCP/5432"));
        Assert.True(Allowed(s, "db/pg", "web/front", "TCP/8080"));
    }

    [Fact]
    public void RulesOfADirectionMissingFromPolicyTypes_AreIgnored()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Policy(Policy("web", "ingress-only", "app=front", PolicyTypes.Ingress, ingress: [FromAnywhere()], egress: [Rule([Block("1.1.1.1/32")])]))
            .Build();
        Assert.False(PolicyOf(s, "web/front").Egress.Isolated);
    }

    [Fact]
    public void SeveralPolicies_AllowTheUnionOfTheirRules_AndAreAllNamedAsIsolating()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Policy(Ingress("db", "a", "", From(Pods("nothing=here"))))
            .Policy(Ingress("db", "b", "app=pg", From(Namespaces("team=web"), Tcp(5432))))
            .Build();
        PodPolicy p = PolicyOf(s, "db/pg");
        Assert.Equal([new ObjectRef("db", "a"), new ObjectRef("db", "b")], p.Ingress.IsolatingPolicies);
        Assert.True(Allowed(s, "web/api", "db/pg", "TCP/5432"));
    }

    [Fact]
    public void ServicePortDifferentFromTargetPort_AllowsClusterIpOnTheServicePort()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Service(Service("db/pg", "app=pg", "172.20.0.10", ServicePort(15432, 5432)))
            .Service(Service("web/api", "app=api", "172.20.0.20", ServicePort(80, "http")))
            .Policy(Egress("web", "to-db", "app=front", Rule([PodsInNamespaces("team=db", "app=pg")], Tcp(5432))))
            .Policy(Egress("db", "to-api", "", Rule([Namespaces("team=web")], Named("http"))))
            .Build();
        PodPolicy front = PolicyOf(s, "web/front");
        AllowRule viaService = Assert.Single(front.Egress.Rules, r => r.Cidr.ToString() == "172.20.0.10/32");
        Assert.Equal(L4Match.Single(Protocol.Tcp, 15432), viaService.Ports);
        Assert.Contains("via service db/pg", viaService.Source.Peer);

        PodPolicy pg = PolicyOf(s, "db/pg");
        Assert.Contains(pg.Egress.Rules, r => r.Cidr.ToString() == "172.20.0.20/32" && r.Ports == L4Match.Single(Protocol.Tcp, 80));
    }

    [Fact]
    public void ServiceWhoseTargetPortTheRuleDoesNotAllow_GetsNoClusterIpEntry()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Service(Service("db/pg", "app=pg", "172.20.0.10", ServicePort(15432, 5432)))
            .Policy(Egress("web", "to-db", "app=front", Rule([Namespaces("team=db")], Tcp(80))))
            .Build();
        Assert.DoesNotContain(PolicyOf(s, "web/front").Egress.Rules, r => r.Cidr.ToString() == "172.20.0.10/32");
    }

    [Fact]
    public void IpBlockCoveringServiceBackends_AlsoAllowsTheClusterIp()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Service(Service("db/pg", "app=pg", "172.20.0.10,fd00:20::10", ServicePort(5432, 5432)))
            .Policy(Egress("web", "to-db-subnet", "", Rule([Block("10.0.1.0/24")], Tcp(5432))))
            .Build();
        Assert.Contains(PolicyOf(s, "web/front").Egress.Rules, r => r.Cidr.ToString() == "172.20.0.10/32");
        Assert.Contains(PolicyOf(s, "web/front").Egress.Rules, r => r.Cidr.ToString() == "fd00:20::10/128");
    }

    [Fact]
    public void RuleRef_NamesPolicyDirectionRuleIndexAndPeer()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Policy(Ingress("db", "two-rules", "", From(Pods("app=none")), From(Namespaces("team=web"), Tcp(5432))))
            .Build();
        RuleRef source = PolicyOf(s, "db/pg").Ingress.Rules[0].Source;
        Assert.Equal(new RuleRef("db", "two-rules", Direction.Ingress, 1, "namespaceSelector team=web"), source);
    }

    [Fact]
    public void PodWithoutSharedAddressFamily_IsUnreachable()
    {
        ClusterSnapshot s = TwoNamespaces().Pod("web/v6only", "", "fd00::99").Pod("web/v4only", "", "10.0.0.99").Build();
        ConnectionVerdict v = VerdictEvaluator.Evaluate(PolicyResolver.Resolve(s), Ref("web/v6only"), Ref("web/v4only"), Probe.Tcp(80));
        Assert.Equal(Verdict.Deny, v.Verdict);
        Assert.Contains("address family", v.Reason);
    }

    [Fact]
    public void DualStack_AllowedWhenEitherFamilyPassesBothSides()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Policy(Ingress("db", "v6-only", "", From(Block("fd00::/64"))))
            .Build();
        ConnectionVerdict v = VerdictEvaluator.Evaluate(PolicyResolver.Resolve(s), Ref("web/front"), Ref("db/pg"), Probe.Tcp(5432));
        Assert.True(v.Allowed);
        Assert.Equal(IPAddress.Parse("fd00::1"), v.FromIp);
        Assert.False(Allowed(s, "web/api", "db/pg", "TCP/5432"));
    }

    [Fact]
    public void NamedPortThatNoPodDeclares_IsReportedAsAWarningNamingTheField()
    {
        ClusterSnapshot s = TwoNamespaces()
            .Policy(Ingress("db", "typo", "", FromAnywhere(Named("postgres"))))
            .Policy(Egress("web", "to-pg", "", Rule([Namespaces("team=db")], Named("pg"), Named("pgx"))))
            .Build();
        IReadOnlyList<Diagnostic> warnings = ResolverState.FromSnapshot(s).Diagnostics();
        Assert.Equal(
            [
                "warning: NetworkPolicy db/typo: spec.ingress[0].ports[0].port: none of the 1 selected pods declares a TCP port named 'postgres'; the entry allows nothing",
                "warning: NetworkPolicy web/to-pg: spec.egress[0].ports[1].port: no destination pod declares a TCP port named 'pgx'; the entry allows nothing",
            ],
            warnings.Select(w => w.ToString()));
    }
}
