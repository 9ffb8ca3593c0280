using System.Text.Json;
using Amazon.Runtime;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Tests.CloudWatch;
using Npa.Host.Lab;
using Npa.Host.Lab.Output;
using Npa.Resolver.Model;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Lab.Kernel;

/// <summary>Real connections in the lab, allowed and denied by the eBPF datapath, read back from the flow log.</summary>
[Collection(LabCollection.Name)]
public class LabFlowLogTests
{
    private const string Tcp80 = "{containerPort: 80}";

    [NetnsFact]
    public async Task AllowedAndDeniedConnections_AreLoggedWithTheirPods_ThePolicyAndRule_OrTheIsolatingPolicy()
    {
        await using LabFixture lab = new();
        lab.Write("pods.yaml",
            LabFixture.Pod("x", "a", "10.124.0.1", Tcp80) +
            LabFixture.Pod("x", "b", "10.124.0.2", Tcp80) +
            LabFixture.Pod("y", "c", "10.124.0.3", Tcp80));
        lab.Write("policy.yaml", """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              namespace: x
              name: b-from-a
            spec:
              podSelector:
                matchLabels:
                  pod: b
              ingress:
                - from:
                    - podSelector:
                        matchLabels:
                          pod: a
                  ports:
                    - port: 80
            """);
        LabDaemon daemon = await lab.StartAsync();

        ConnectivityReport report = await LabProbeRunner.RunAsync(daemon.Pods, [new LabPort(Protocol.Tcp, 80)], CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.True(report.Probes[0].Matrix["x/a"]["x/b"], "x/a -> x/b is allowed by x/b-from-a");
        Assert.False(report.Probes[0].Matrix["y/c"]["x/b"], "y/c -> x/b is denied");

        string file = Path.Combine(daemon.FlowLogDirectory, "network-policy-agent.log");
        JsonElement? accept = null;
        JsonElement? deny = null;
        using CancellationTokenSource timeout = new(TestTimeouts.Default);
        while (accept is null || deny is null)
        {
            await Task.Delay(100, timeout.Token);
            if (!File.Exists(file))
            {
                continue;
            }

            // Every line must be one JSON object (Fluent Bit's json parser reads them one by one).
            JsonElement[] lines = [.. (await File.ReadAllLinesAsync(file, timeout.Token)).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
            accept = lines.Cast<JsonElement?>().FirstOrDefault(l => Is(l!.Value, "ACCEPT", "x", "a", "x", "b"));
            deny = lines.Cast<JsonElement?>().FirstOrDefault(l => Is(l!.Value, "DENY", "y", "c", "x", "b"));
        }

        Assert.Equal("x/b-from-a", accept.Value.GetProperty("Policy").GetString());
        Assert.StartsWith("ingress[0]", accept.Value.GetProperty("Rule").GetString(), StringComparison.Ordinal);
        Assert.Equal("10.124.0.1", accept.Value.GetProperty("Src IP").GetString());
        Assert.Equal("10.124.0.2", accept.Value.GetProperty("Dest IP").GetString());
        Assert.Equal(80, accept.Value.GetProperty("Dest Port").GetInt32());
        Assert.Equal("TCP", accept.Value.GetProperty("Proto").GetString());

        Assert.Equal(["x/b-from-a"], deny.Value.GetProperty("Isolating Policies").EnumerateArray().Select(p => p.GetString()));
        Assert.False(deny.Value.TryGetProperty("Policy", out _), "a deny names the isolating policies, not an allowing one");
        Assert.Equal("10.124.0.3", deny.Value.GetProperty("Src IP").GetString());
        Assert.Equal(80, deny.Value.GetProperty("Dest Port").GetInt32());
    }

    [NetnsFact]
    public async Task WithCloudWatch_TheSameLinesReachTheNodesStream()
    {
        await using FakeCloudWatchLogsServer server = await FakeCloudWatchLogsServer.StartAsync().WaitAsync(TestTimeouts.Default);
        LabCloudWatch cloudWatch = LabCloudWatch.FromEnvironment(
            clusterName: null,
            name => name switch { "AWS_REGION" => FakeCloudWatchLogsServer.Region, "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS" => server.Endpoint.ToString(), _ => null },
            new StaticAwsCredentialSource(new ImmutableCredentials(FakeCloudWatchLogsServer.AccessKey, FakeCloudWatchLogsServer.SecretKey, null)));
        await using LabFixture lab = new();
        lab.Write("pods.yaml",
            LabFixture.Pod("x", "a", "10.125.0.1", Tcp80) +
            LabFixture.Pod("x", "b", "10.125.0.2", Tcp80));
        lab.Write("policy.yaml", """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              namespace: x
              name: deny-b
            spec:
              podSelector:
                matchLabels:
                  pod: b
              policyTypes: [Ingress]
            """);
        LabDaemon daemon = await lab.StartAsync(cloudWatch: cloudWatch);
        Assert.Contains("CloudWatch Logs /aws/k8s-cluster/cluster", daemon.EnforcerDescription, StringComparison.Ordinal);

        ConnectivityReport report = await LabProbeRunner.RunAsync(daemon.Pods, [new LabPort(Protocol.Tcp, 80)], CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.False(report.Probes[0].Matrix["x/a"]["x/b"]);

        // Off EKS: group /aws/k8s-cluster/cluster, one stream for the lab's node, created by the shipper.
        string stream = $"network-policy-agent-flows-{daemon.NodeNetns}";
        Assert.True(await Poll.UntilAsync(() => server.Messages("/aws/k8s-cluster/cluster", stream).Any(m => Is(JsonDocument.Parse(m).RootElement, "DENY", "x", "a", "x", "b")), TimeSpan.FromMilliseconds(100)),
            $"no DENY x/a -> x/b in CloudWatch stream {stream}: {string.Join(" | ", server.Messages("/aws/k8s-cluster/cluster", stream))}");
        Assert.Empty(server.Violations);
    }

    private static bool Is(JsonElement line, string verdict, string srcNamespace, string srcPod, string destNamespace, string destPod) =>
        line.GetProperty("Verdict").GetString() == verdict
        && line.TryGetProperty("Direction", out JsonElement direction) && direction.GetString() == "ingress"
        && Text(line, "Src Namespace") == srcNamespace && Text(line, "Src Pod") == srcPod
        && Text(line, "Dest Namespace") == destNamespace && Text(line, "Dest Pod") == destPod;

    private static string? Text(JsonElement line, string field) =>
        line.TryGetProperty(field, out JsonElement value) ? value.GetString() : null;
}
