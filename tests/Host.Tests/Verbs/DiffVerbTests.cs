using System.Text.Json.Nodes;
using Npa.Host.Verbs;
using Npa.Resolver.Model;
using Npa.Resolver.Reports;
using Npa.Resolver.Verdicts;

namespace Npa.Host.Tests.Verbs;

/// <summary>
/// <c>npa diff</c> between consecutive steps of the Stars demo lists exactly the connections each step changes.
/// The expectation is computed here independently: two <c>matrix</c> results, cell by cell.
/// </summary>
public class DiffVerbTests
{
    private static readonly string[] Probes = ["TCP/80", "TCP/6379", "TCP/9000", "TCP/9001", "TCP/443", "UDP/53"];

    public static TheoryData<int> Steps => [1, 2, 3, 4];

    /// <summary>"from -> to PROTO/PORT" for every cell whose verdict differs between the two steps' matrices.</summary>
    private static SortedSet<string> CellsThatDiffer(int beforeStep, int afterStep)
    {
        Probe[] probes = Probes.Select(Probe.Parse).ToArray();
        ReachabilityMatrix before = ReachabilityMatrix.Compute(Load(beforeStep).Resolved, probes);
        ReachabilityMatrix after = ReachabilityMatrix.Compute(Load(afterStep).Resolved, probes);
        SortedSet<string> cells = new(StringComparer.Ordinal);
        for (int i = 0; i < probes.Length; i++)
        {
            foreach (((ObjectRef from, ObjectRef to), bool allowed) in after.Probes[i].Allowed)
            {
                if (before.Probes[i].Allowed[(from, to)] != allowed)
                {
                    cells.Add($"{from} -> {to} {probes[i]}");
                }
            }
        }

        return cells;
    }

    private static ManifestCluster Load(int step) => ManifestCluster.Load("test", VerbFixtures.StarsAtStep(step), new StringWriter())!;

    private static JsonArray Changes(int beforeStep, int afterStep, params string[] ports)
    {
        StringWriter stdout = new();
        Assert.Equal(0, DiffVerb.Run(VerbFixtures.StarsAtStep(beforeStep), VerbFixtures.StarsAtStep(afterStep), ports, "json", stdout, new StringWriter()));
        return JsonNode.Parse(stdout.ToString())!["changes"]!.AsArray();
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void OnTheProbedPorts_DiffListsExactlyTheCellsTheMatricesDisagreeOn(int step)
    {
        SortedSet<string> listed = new(
            Changes(step - 1, step, Probes).Select(c => $"{c!["from"]} -> {c["to"]} {c["protocol"]}/{c["firstPort"]}"),
            StringComparer.Ordinal);

        Assert.NotEmpty(listed);
        Assert.Equal(CellsThatDiffer(step - 1, step), listed);
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void OnEveryPort_TheChangedRangesCoverExactlyTheProbedCellsThatDiffer(int step)
    {
        JsonArray changes = Changes(step - 1, step);
        SortedSet<string> covered = new(StringComparer.Ordinal);
        foreach (Probe probe in Probes.Select(Probe.Parse))
        {
            foreach (JsonNode? c in changes)
            {
                if ((string)c!["protocol"]! == probe.ProtocolText && (int)c["firstPort"]! <= probe.Port && probe.Port <= (int)c["lastPort"]!)
                {
                    covered.Add($"{c["from"]} -> {c["to"]} {probe}");
                }
            }
        }

        Assert.Equal(CellsThatDiffer(step - 1, step), covered);
    }

    [Fact]
    public void TheBackendPolicy_OpensFrontendToBackendOn6379_NamingTheRule()
    {
        StringWriter stdout = new();
        Assert.Equal(0, DiffVerb.Run(VerbFixtures.StarsAtStep(2), VerbFixtures.StarsAtStep(3), null, "text", stdout, new StringWriter()));
        Assert.Equal(
            "+ stars/frontend -> stars/backend TCP/6379: now ALLOWED (ingress of stars/backend allowed by stars/backend-policy ingress[0] (podSelector role=frontend))\n" +
            "1 changes: 1 opened, 0 closed\n",
            stdout.ToString());
    }

    [Fact]
    public void DefaultDeny_ClosesEveryPortIntoStarsAndClient_NamingTheIsolatingPolicy()
    {
        StringWriter stdout = new();
        Assert.Equal(0, DiffVerb.Run(VerbFixtures.StarsAtStep(0), VerbFixtures.StarsAtStep(1), null, "text", stdout, new StringWriter()));
        string text = stdout.ToString();
        Assert.Contains("- management-ui/management-ui -> stars/backend TCP/1-65535: now DENIED (ingress of stars/backend now isolated by stars/default-deny, and no rule allows it)\n", text);
        Assert.Contains("- stars/frontend -> client/client UDP/1-65535: now DENIED (ingress of client/client now isolated by client/default-deny, and no rule allows it)\n", text);
        Assert.DoesNotContain("-> management-ui/management-ui", text);
        Assert.EndsWith("27 changes: 0 opened, 27 closed\n", text);
    }

    [Fact]
    public void FailOnChange_Exits1WhenSomethingChanges_And0WhenNothingDoes()
    {
        Assert.Equal(1, DiffVerb.Run(VerbFixtures.StarsAtStep(2), VerbFixtures.StarsAtStep(3), null, "text", new StringWriter(), new StringWriter(), failOnChange: true));
        StringWriter same = new();
        Assert.Equal(0, DiffVerb.Run(VerbFixtures.StarsAtStep(3), VerbFixtures.StarsAtStep(3), null, "text", same, new StringWriter(), failOnChange: true));
        Assert.Equal("no verdict changes\n", same.ToString());
    }

    [Theory]
    [InlineData(null, "give both versions")]
    [InlineData("ICMP/1", "is not TCP, UDP or SCTP")]
    public void BadArguments_Exit2WithAReason(string? port, string reason)
    {
        StringWriter stderr = new();
        string[]? after = port is null ? null : VerbFixtures.StarsAtStep(1);
        Assert.Equal(2, DiffVerb.Run(VerbFixtures.StarsAtStep(0), after, port is null ? null : [port], "text", new StringWriter(), stderr));
        Assert.Contains(reason, stderr.ToString());
    }
}
