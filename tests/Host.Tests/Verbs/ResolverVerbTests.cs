using System.Text.Json.Nodes;
using Npa.Host.Verbs;

namespace Npa.Host.Tests.Verbs;

/// <summary><c>npa matrix</c> and <c>npa explain</c> on the Stars demo manifests: output, exit codes, and clear errors.</summary>
public class ResolverVerbTests
{
    private static readonly string Stars = VerbFixtures.Stars;

    [Fact]
    public void Matrix_Json_ListsEveryPairPerProbe()
    {
        StringWriter stdout = new();
        StringWriter stderr = new();
        int rc = MatrixVerb.Run([Stars], ["TCP/6379", "TCP/80"], "json", stdout, stderr);

        Assert.Equal(0, rc);
        JsonNode json = JsonNode.Parse(stdout.ToString())!;
        JsonArray probes = json["probes"]!.AsArray();
        Assert.Equal(["6379", "80"], probes.Select(p => p!["port"]!.GetValue<string>()));
        Assert.True(probes[0]!["matrix"]!["stars/frontend"]!["stars/backend"]!.GetValue<bool>());
        Assert.False(probes[0]!["matrix"]!["client/client"]!["stars/backend"]!.GetValue<bool>());
        Assert.Equal(4, probes[0]!["matrix"]!.AsObject().Count);
        Assert.Empty(json["diagnostics"]!.AsArray());
    }

    [Fact]
    public void Matrix_Table_IsTheDefaultAndProbesTcp80()
    {
        StringWriter stdout = new();
        int rc = MatrixVerb.Run([Stars], null, "table", stdout, new StringWriter());
        Assert.Equal(0, rc);
        Assert.StartsWith("TCP/80 ", stdout.ToString());
        Assert.Contains("'.' allowed, 'X' denied", stdout.ToString());
    }

    [Theory]
    [InlineData("ICMP/1", "table", "not TCP, UDP or SCTP")]
    [InlineData("TCP/80", "yaml", "neither table nor json")]
    public void Matrix_BadArguments_Exit2WithAReason(string probe, string output, string reason)
    {
        StringWriter stderr = new();
        Assert.Equal(2, MatrixVerb.Run([Stars], [probe], output, new StringWriter(), stderr));
        Assert.Contains(reason, stderr.ToString());
    }

    [Fact]
    public void Matrix_MissingPath_Exit2NamingIt()
    {
        StringWriter stderr = new();
        Assert.Equal(2, MatrixVerb.Run(["/nonexistent/npa-manifests"], null, "table", new StringWriter(), stderr));
        Assert.Contains("/nonexistent/npa-manifests", stderr.ToString());
    }

    [Fact]
    public void Explain_NamesTheRuleThatAllows()
    {
        StringWriter stdout = new();
        int rc = ExplainVerb.Run([Stars], "stars/frontend", "stars/backend", "TCP/6379", stdout, new StringWriter());
        Assert.Equal(0, rc);
        Assert.Contains("ALLOWED", stdout.ToString());
        Assert.Contains("stars/backend-policy ingress[0] (podSelector role=frontend)", stdout.ToString());
    }

    [Fact]
    public void Explain_OfADenial_SaysNoRuleAllows()
    {
        StringWriter stdout = new();
        Assert.Equal(0, ExplainVerb.Run([Stars], "client/client", "stars/backend", "TCP/6379", stdout, new StringWriter()));
        Assert.Contains("DENIED", stdout.ToString());
        Assert.Contains("no rule allows", stdout.ToString());
    }

    [Theory]
    [InlineData("client", "stars/backend", "--from 'client' must be a pod as namespace/name")]
    [InlineData("client/client", "stars/nope", "pod stars/nope is not in the manifests")]
    public void Explain_BadPods_Exit2WithAReason(string from, string to, string reason)
    {
        StringWriter stderr = new();
        Assert.Equal(2, ExplainVerb.Run([Stars], from, to, "TCP/80", new StringWriter(), stderr));
        Assert.Contains(reason, stderr.ToString());
    }
}
