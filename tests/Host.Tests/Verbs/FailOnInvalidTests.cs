using Npa.Host.Verbs;

namespace Npa.Host.Tests.Verbs;

/// <summary>
/// <c>--fail-on-invalid</c>: a folder with two invalid policies and a YAML syntax error still resolves what is
/// valid and prints the diagnostics, but exits 3 instead of 0 when asked to, so CI notices.
/// </summary>
public sealed class FailOnInvalidTests : IDisposable
{
    private readonly ScratchFolder _folder = new();

    public FailOnInvalidTests()
    {
        _folder.Write("pods.yaml", """
            kind: Pod
            apiVersion: v1
            metadata: {namespace: shop, name: web, labels: {app: web}}
            status: {podIP: 10.1.0.1}
            ---
            kind: Pod
            apiVersion: v1
            metadata: {namespace: shop, name: db, labels: {app: db}}
            status: {podIP: 10.1.0.2}
            """);
        _folder.Write("bad-port.yaml", """
            kind: NetworkPolicy
            apiVersion: networking.k8s.io/v1
            metadata: {namespace: shop, name: bad-port}
            spec:
              podSelector: {matchLabels: {app: db}}
              ingress:
                - ports: [{protocol: TCP, port: 99999}]
            """);
        _folder.Write("bad-protocol.yaml", """
            kind: NetworkPolicy
            apiVersion: networking.k8s.io/v1
            metadata: {namespace: shop, name: bad-protocol}
            spec:
              podSelector: {}
              ingress:
                - ports: [{protocol: ICMP, port: 80}]
            """);
        _folder.Write("broken.yaml", "kind: NetworkPolicy\nmetadata: {namespace: shop, name: broken\n  spec: [\n");
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Matrix_WithoutTheFlag_StillExits0AndPrintsTheDiagnostics()
    {
        StringWriter stderr = new();
        Assert.Equal(0, MatrixVerb.Run([_folder.Path], null, "table", new StringWriter(), stderr));
        Assert.Contains("spec.ingress[0].ports[0].port: 99999 is out of range", stderr.ToString());
    }

    [Fact]
    public void Matrix_WithTheFlag_Exits3AndNamesEveryRejectedObjectAndTheUnreadableFile()
    {
        StringWriter stdout = new();
        StringWriter stderr = new();
        int rc = MatrixVerb.Run([_folder.Path], null, "table", stdout, stderr, failOnInvalid: true);

        Assert.Equal(ManifestCluster.InvalidInputExitCode, rc);
        Assert.Equal(3, rc);
        string errors = stderr.ToString();
        Assert.Contains("NetworkPolicy shop/bad-port: spec.ingress[0].ports[0].port: 99999 is out of range", errors);
        Assert.Contains("NetworkPolicy shop/bad-protocol", errors);
        Assert.Contains("broken.yaml", errors);
        Assert.Contains("not valid YAML or JSON", errors);
        Assert.Contains("3 invalid object(s) or unreadable file(s)", errors);
        Assert.Contains("shop/db", stdout.ToString());
    }

    [Fact]
    public void MatrixJson_WithTheFlag_Exits3AndKeepsTheDiagnosticsInTheJson()
    {
        StringWriter stdout = new();
        Assert.Equal(3, MatrixVerb.Run([_folder.Path], null, "json", stdout, new StringWriter(), failOnInvalid: true));
        Assert.Contains("99999 is out of range", stdout.ToString());
    }

    [Fact]
    public void Explain_WithTheFlag_Exits3AfterTheExplanation()
    {
        StringWriter stdout = new();
        Assert.Equal(3, ExplainVerb.Run([_folder.Path], "shop/web", "shop/db", "TCP/80", stdout, new StringWriter(), failOnInvalid: true));
        Assert.Contains("shop/web -> shop/db TCP/80: ALLOWED", stdout.ToString());
    }

    [Fact]
    public void ValidInput_WithTheFlag_Exits0()
    {
        Assert.Equal(0, MatrixVerb.Run([VerbFixtures.Stars], null, "table", new StringWriter(), new StringWriter(), failOnInvalid: true));
        Assert.Equal(0, ExplainVerb.Run([VerbFixtures.Stars], "client/client", "stars/backend", "TCP/6379", new StringWriter(), new StringWriter(), failOnInvalid: true));
    }

    [Fact]
    public void Family_OnMatrixAndExplain_IsCheckedAndUsed()
    {
        StringWriter stderr = new();
        Assert.Equal(2, MatrixVerb.Run([VerbFixtures.Stars], null, "table", new StringWriter(), stderr, familyText: "inet"));
        Assert.Contains("--family 'inet' is not ipv4, ipv6 or any", stderr.ToString());

        StringWriter json = new();
        Assert.Equal(0, MatrixVerb.Run([VerbFixtures.Stars], null, "json", json, new StringWriter(), familyText: "ipv6"));
        Assert.Contains("\"family\":\"ipv6\"", json.ToString());

        StringWriter explanation = new();
        Assert.Equal(0, ExplainVerb.Run([VerbFixtures.Stars], "stars/frontend", "stars/backend", "TCP/6379", explanation, new StringWriter(), familyText: "ipv6"));
        Assert.Contains("DENIED", explanation.ToString());
        Assert.Contains("do not both have an IPv6 address", explanation.ToString());
    }
}
