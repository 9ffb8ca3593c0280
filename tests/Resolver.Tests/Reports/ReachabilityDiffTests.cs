using System.Text.Json.Nodes;
using Npa.Resolver.Model;
using Npa.Resolver.Reports;
using Npa.Resolver.Resolution;
using Npa.Tests.Shared.Builders;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Reports;

/// <summary>What <c>npa diff</c> reports between two versions: exact port ranges, merged, each with its cause.</summary>
public class ReachabilityDiffTests
{
    private static ResolvedCluster Version(params NetworkPolicySpec[] policies)
    {
        ClusterBuilder cluster = new ClusterBuilder()
            .Pod("x/a", "pod=a", "10.0.0.1")
            .Pod("x/b", "pod=b", "10.0.0.2");
        foreach (NetworkPolicySpec policy in policies)
        {
            cluster.Policy(policy);
        }

        return PolicyResolver.Resolve(cluster.Build());
    }

    private static readonly PortSelection[] Tcp = [PortSelection.Parse("TCP/*")];

    [Fact]
    public void WideningARange_OpensOnlyTheAddedPorts_AsOneRange()
    {
        ResolvedCluster before = Version(Ingress("x", "b-in", "pod=b", From(Pods("pod=a"), Tcp(8000, 8080))));
        ResolvedCluster after = Version(Ingress("x", "b-in", "pod=b", From(Pods("pod=a"), Tcp(8000, 8090))));

        VerdictChange change = Assert.Single(ReachabilityDiff.Compute(before, after, Tcp).Changes);
        Assert.Equal("+ x/a -> x/b TCP/8081-8090: now ALLOWED (ingress of x/b allowed by x/b-in ingress[0] (podSelector pod=a))", change.ToString());
    }

    [Fact]
    public void RemovingTheOnlyPolicy_OpensEverything_SayingIsolationEnded()
    {
        ResolvedCluster before = Version(Ingress("x", "deny-b", "pod=b"));
        VerdictChange change = Assert.Single(ReachabilityDiff.Compute(before, Version(), Tcp).Changes);
        Assert.Equal("+ x/a -> x/b TCP/1-65535: now ALLOWED (ingress of x/b no longer isolated (was by x/deny-b))", change.ToString());
    }

    [Fact]
    public void DroppingARule_ClosesItsPorts_NamingTheRuleThatNoLongerAllows()
    {
        ResolvedCluster before = Version(Ingress("x", "b-in", "pod=b", From(Pods("pod=a"), Tcp(80), Tcp(443))));
        ResolvedCluster after = Version(Ingress("x", "b-in", "pod=b", From(Pods("pod=a"), Tcp(443))));
        Assert.Equal(["- x/a -> x/b TCP/80: now DENIED (ingress of x/b: x/b-in ingress[0] (podSelector pod=a) no longer allows it)"],
            ReachabilityDiff.Compute(before, after, Tcp).Changes.Select(c => c.ToString()));
    }

    [Fact]
    public void EgressChanges_AreReportedOnTheSourceSide()
    {
        ResolvedCluster after = Version(Egress("x", "a-out", "pod=a", Rule([], Udp(53))));
        string[] changes = ReachabilityDiff.Compute(Version(), after, [PortSelection.Parse("UDP/*")]).Changes.Select(c => c.ToString()).ToArray();
        Assert.Equal([
            "- x/a -> x/b UDP/1-52: now DENIED (egress of x/a now isolated by x/a-out, and no rule allows it)",
            "- x/a -> x/b UDP/54-65535: now DENIED (egress of x/a now isolated by x/a-out, and no rule allows it)",
        ], changes);
    }

    [Fact]
    public void SameInput_NoChanges()
    {
        ResolvedCluster version = Version(Ingress("x", "b-in", "pod=b", From(Pods("pod=a"), Tcp(80))));
        Assert.Empty(ReachabilityDiff.Compute(version, version).Changes);
        Assert.Equal("no verdict changes\n", ReachabilityDiff.Compute(version, version).ToText());
    }

    [Fact]
    public void PodsInOneVersionOnly_AreListedNotCompared()
    {
        ResolvedCluster after = PolicyResolver.Resolve(new ClusterBuilder()
            .Pod("x/a", "pod=a", "10.0.0.1").Pod("x/c", "pod=c", "10.0.0.3").Policy(Ingress("x", "deny-all", "")).Build());
        ReachabilityDiff diff = ReachabilityDiff.Compute(Version(), after, Tcp);
        Assert.Empty(diff.Changes);
        Assert.Equal([new ObjectRef("x", "b")], diff.PodsOnlyBefore);
        Assert.Equal([new ObjectRef("x", "c")], diff.PodsOnlyAfter);
    }

    [Fact]
    public void Json_HasTheDocumentedShape()
    {
        ResolvedCluster before = Version(Ingress("x", "b-in", "pod=b", From(Pods("pod=a"), Tcp(80))));
        ResolvedCluster after = Version(Ingress("x", "b-in", "pod=b", From(Pods("pod=a"), Tcp(81))));
        JsonNode json = JsonNode.Parse(ReachabilityDiff.Compute(before, after, Tcp).ToJson())!;
        Assert.Equal("any", (string)json["family"]!);
        Assert.Equal(
            """[{"from":"x/a","to":"x/b","protocol":"TCP","firstPort":80,"lastPort":80,"before":"allow","after":"deny","cause":"ingress of x/b: x/b-in ingress[0] (podSelector pod=a) no longer allows it"},""" +
            """{"from":"x/a","to":"x/b","protocol":"TCP","firstPort":81,"lastPort":81,"before":"deny","after":"allow","cause":"ingress of x/b allowed by x/b-in ingress[0] (podSelector pod=a)"}]""",
            json["changes"]!.ToJsonString());
    }
}
