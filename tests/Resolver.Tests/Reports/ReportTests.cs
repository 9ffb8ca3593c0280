using System.Text.Json.Nodes;
using Npa.Resolver.Model;
using Npa.Resolver.Reports;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;
using Npa.Tests.Shared.Builders;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Reports;

public class ReportTests
{
    private static ResolvedCluster Cluster() => PolicyResolver.Resolve(new ClusterBuilder()
        .Namespace("x", "ns=x")
        .Pod("x/b", "pod=b", "10.0.0.2", "http=8080")
        .Pod("x/a", "pod=a", "10.0.0.1", "http=80")
        .Policy(Ingress("x", "a-from-b", "pod=a", From(Pods("pod=b"), Tcp(80))))
        .Build());

    [Fact]
    public void MatrixJson_HasTheDocumentedShape_PodsInNameOrder()
    {
        ReachabilityMatrix m = ReachabilityMatrix.Compute(Cluster(), [Probe.Tcp(80), Probe.Tcp(81)], ["warning: something"]);
        Assert.Equal(
            """{"family":"any","probes":[{"protocol":"TCP","port":"80","matrix":{"x/a":{"x/a":true,"x/b":true},"x/b":{"x/a":true,"x/b":true}}},""" +
            """{"protocol":"TCP","port":"81","matrix":{"x/a":{"x/a":true,"x/b":true},"x/b":{"x/a":false,"x/b":true}}}],"diagnostics":["warning: something"]}""",
            m.ToJson());
        Assert.NotNull(JsonNode.Parse(m.ToJson(indented: true)));
    }

    [Fact]
    public void MatrixTable_RowsAreSourcesColumnsDestinations_WithALegend()
    {
        ResolvedCluster c = PolicyResolver.Resolve(new ClusterBuilder()
            .Pod("x/a", "pod=a", "10.0.0.1").Pod("x/b", "pod=b", "10.0.0.2")
            .Policy(Ingress("x", "deny-a", "pod=a"))
            .Build());
        string table = ReachabilityMatrix.Compute(c, [Probe.Tcp(80)]).ToTable();
        Assert.Equal(
            "TCP/80 x/a x/b\n" +
            "x/a    .   .\n" +
            "x/b    X   .\n" +
            "rows: from, columns: to; '.' allowed, 'X' denied (3 allowed, 1 denied)\n\n",
            table);
    }

    [Fact]
    public void Explanation_OfADenial_NamesTheIsolatingPoliciesAndThatNoRuleAllows()
    {
        string text = VerdictExplanation.Render(VerdictEvaluator.Evaluate(Cluster(), new ObjectRef("x", "b"), new ObjectRef("x", "a"), Probe.Tcp(81)));
        Assert.Equal(
            "x/b -> x/a TCP/81: DENIED\n" +
            "  denied by the ingress of x/a\n" +
            "  addresses: 10.0.0.2 -> 10.0.0.1\n" +
            "  egress of x/b: not isolated (no NetworkPolicy selects it for egress): allowed\n" +
            "  ingress of x/a: isolated by x/a-from-b\n" +
            "    no rule allows from 10.0.0.2 on TCP/81: denied\n",
            text);
    }

    [Fact]
    public void Explanation_OfAnAllowedNamedProbe_NamesTheResolvedPortAndTheRule()
    {
        string text = VerdictExplanation.Render(VerdictEvaluator.Evaluate(Cluster(), new ObjectRef("x", "b"), new ObjectRef("x", "a"), Probe.Parse("TCP/http")));
        Assert.StartsWith("x/b -> x/a TCP/http (port 80 on x/a): ALLOWED\n", text);
        Assert.Contains("    allowed by x/a-from-b ingress[0] (podSelector pod=b): 10.0.0.2/32 TCP/80\n", text);
    }
}
