using System.Diagnostics;
using Npa.Ingest.Kubernetes;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Resolver.Events;
using Npa.Resolver.Model;
using Npa.Tests.Shared;
using Xunit.Abstractions;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Ingest.Tests.Kubernetes;

/// <summary>Bigger inputs: everything still arrives, and the output says what it cost (no timing assertions).</summary>
public sealed class InformerScaleTests(ITestOutputHelper output)
{
    private static readonly InformerOptions Options = new() { RetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public async Task FiveThousandPods_AreListedInPages_AndEveryOneIsReported()
    {
        await using Server server = await Server.StartAsync();
        for (int i = 0; i < 5000; i++)
        {
            server.Upsert(KubeObjects.Pods, KubeObjects.Pod($"ns-{i % 50}", $"pod-{i}", $"10.{i / 65536}.{i / 256 % 256}.{i % 256}"));
        }

        await using EventRecorder recorder = new(capacity: 256);
        Stopwatch clock = Stopwatch.StartNew();
        await using ResourceInformerTests.Running<PodInfo> informer = ResourceInformerTests.Running<PodInfo>.Start(
            server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Options);
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        clock.Stop();
        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the first sync");

        Assert.Equal(5000, events.OfType<PodUpserted>().Select(p => p.Pod.Ref).Distinct().Count());
        Assert.Equal(10, server.Requests.Count(r => r.Path == KubeObjects.Pods && r.Query.Contains("limit=500", StringComparison.Ordinal)));
        output.WriteLine($"5000 pods listed (10 pages), translated and reported in {clock.ElapsedMilliseconds} ms " +
            $"({5000 / Math.Max(clock.Elapsed.TotalSeconds, 0.001):F0} pods/s)");
    }

    [Fact]
    public async Task Agent_HoldsOnlyTheChunksOfPoliciesThatSelectItsPods()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "local", "192.168.1.1", node: "node-1", hostIp: "10.0.0.1"));

        // 100 policies with 4 chunks each; 3 of them select the local pod in one chunk.
        int total = 0;
        for (int p = 0; p < 100; p++)
        {
            for (int c = 0; c < 4; c++)
            {
                (string, string, string)[] pods = p % 33 == 0 && c == 2
                    ? [("local", "192.168.1.1", "10.0.0.1")]
                    : [($"remote-{p}-{c}", "192.168.9.9", "10.0.0.9")];
                server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", $"policy-{p:D3}-{c}", $"policy-{p:D3}", pods));
                total++;
            }
        }

        await using EventRecorder recorder = new(capacity: 64);
        await using RunningSource source = KubernetesSource.Start(KubeObjects.Client(server), SourceScope.Agent("node-1"), recorder.Channel.Writer, CancellationToken.None, options: Options, ownsClient: true);
        await source.Ready.WaitAsync(TestTimeouts.Default);
        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Count() == 2, "both syncs");

        string[] held = [.. events.OfType<PolicyEndpointUpserted>().Select(e => e.Endpoint.PolicyRef.Name).Distinct().Order()];
        Assert.Equal(["policy-000", "policy-033", "policy-066", "policy-099"], held);
        Assert.Equal(16, events.OfType<PolicyEndpointUpserted>().Count());
        InformerCounters counters = source.Informers.Single(i => i.Resource == ApiResource.PolicyEndpointsUnmarked).Counters;
        Assert.Equal(0, counters.Refetches); // chunks dropped early in the list are taken from the list, not fetched again
        output.WriteLine($"agent holds {16} of {total} PolicyEndpoints ({16.0 / total:P1})");
    }
}
