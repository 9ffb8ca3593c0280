using Npa.Ingest.Journal;
using Npa.Ingest.Kubernetes;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Resolver.Events;
using Npa.Tests.Shared;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Ingest.Tests.Kubernetes;

public sealed class KubernetesSourceTests
{
    private static readonly InformerOptions Fast = new() { RetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public async Task Controller_WatchesNamespacesPodsPoliciesServicesAndItsPolicyEndpoints_AndIsReadyAfterEveryFirstList()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Namespaces, KubeObjects.Namespace("shop"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-1", "192.168.1.1"));
        server.Upsert(KubeObjects.NetworkPolicies, KubeObjects.Policy("shop", "allow-80", 80));
        await using EventRecorder recorder = new();
        await using RunningSource source = KubernetesSource.Start(KubeObjects.Client(server), SourceScope.Controller, recorder.Channel.Writer, CancellationToken.None, options: Fast, ownsClient: true);

        await source.Ready.WaitAsync(TestTimeouts.Default);
        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Count() == 5, "five syncs");
        Assert.Equal(
            [ResourceKind.Namespace, ResourceKind.Pod, ResourceKind.NetworkPolicy, ResourceKind.Service, ResourceKind.PolicyEndpoint],
            events.OfType<SourceSynced>().Select(s => s.SyncedKind).Order());
        Assert.Contains(events, e => e is NamespaceUpserted { Namespace.Name: "shop" });
        Assert.Contains(events, e => e is PodUpserted { Pod.Name: "web-1" });
        Assert.Contains(events, e => e is PolicyUpserted { Policy.Name: "allow-80" });
        // What it publishes is listed cluster-wide, without a label selector (objects of an earlier controller count too).
        Assert.Contains(server.Requests, r => r.Path.Contains("policyendpoints", StringComparison.Ordinal) && !r.Query.Contains("labelSelector", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_WithAKubeconfigFile_TalksToTheClusterItNames()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Namespaces, KubeObjects.Namespace("shop"));
        string kubeconfig = Path.Combine(Path.GetTempPath(), $"npa-ingest-kubeconfig-{Guid.NewGuid():N}.yaml");
        try
        {
            File.WriteAllText(kubeconfig, $$"""
                apiVersion: v1
                kind: Config
                clusters:
                - name: fake
                  cluster:
                    server: {{server.BaseUri}}
                users:
                - name: tester
                  user:
                    token: secret-token
                contexts:
                - name: fake
                  context: {cluster: fake, user: tester}
                current-context: fake
                """);
            await using EventRecorder recorder = new();
            await using RunningSource source = KubernetesSource.Start(kubeconfig, SourceScope.Controller, recorder.Channel.Writer, CancellationToken.None, options: Fast);
            await source.Ready.WaitAsync(TestTimeouts.Default);
            await recorder.WaitUntilAsync(e => e.Any(x => x is NamespaceUpserted { Namespace.Name: "shop" }), "the namespace");
            Assert.All(server.Requests, r => Assert.Equal("Bearer secret-token", r.Authorization));
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    [Fact]
    public async Task Agent_WatchesOnlyItsNodesPods_AndHoldsOnlyPolicyEndpointsOfPoliciesSelectingThem()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-1", "192.168.1.1", node: "node-1", hostIp: "10.0.0.1"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-2", "192.168.2.1", node: "node-2", hostIp: "10.0.0.2"));

        // Policy "front" has two chunks; only the second names the local pod. Policy "back" selects only a remote pod.
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "front-1", "front", ("web-2", "192.168.2.1", "10.0.0.2")));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "front-2", "front", ("web-1", "192.168.1.1", "10.0.0.1")));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "back-1", "back", ("web-2", "192.168.2.1", "10.0.0.2")));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "side-1", "side", ("web-2", "192.168.2.1", "10.0.0.2")));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "side-2", "side", ("web-3", "192.168.3.1", "10.0.0.3")));
        await using EventRecorder recorder = new();
        await using RunningSource source = KubernetesSource.Start(KubeObjects.Client(server), SourceScope.Agent("node-1"), recorder.Channel.Writer, CancellationToken.None, options: Fast, ownsClient: true);
        await source.Ready.WaitAsync(TestTimeouts.Default);
        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Count() == 2, "both syncs");

        Assert.Equal(["web-1"], events.OfType<PodUpserted>().Select(p => p.Pod.Name));
        Assert.Contains(server.Requests, r => r.Path == KubeObjects.Pods && r.Query.Contains("fieldSelector=spec.nodeName%3Dnode-1", StringComparison.Ordinal));
        Assert.Equal(["front-1", "front-2"], events.OfType<PolicyEndpointUpserted>().Select(p => p.Endpoint.Name).Order());

        // "back" gains the local pod: it becomes relevant. "front" loses it: both chunks go.
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "back-1", "back", ("web-2", "192.168.2.1", "10.0.0.2"), ("web-1", "192.168.1.1", "10.0.0.1")));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "front-2", "front"));
        events = await recorder.WaitUntilAsync(e => e.OfType<PolicyEndpointDeleted>().Count() == 2, "front's chunks dropped");
        Assert.Contains(events, e => e is PolicyEndpointUpserted { Endpoint.Name: "back-1" });
        Assert.Equal(["front-1", "front-2"], events.OfType<PolicyEndpointDeleted>().Select(d => d.Endpoint.Name).Order());
        Assert.All(events.OfType<PolicyEndpointDeleted>(), d => Assert.False(d.Synthetic));

        // "side" gains the local pod in its second chunk: the first chunk, dropped at list time, is fetched again.
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "side-2", "side", ("web-1", "192.168.1.1", "10.0.0.1")));
        events = await recorder.WaitUntilAsync(e => e.Any(x => x is PolicyEndpointUpserted { Endpoint.Name: "side-1" }), "the refetched chunk");
        Assert.Contains(events, e => e is PolicyEndpointUpserted { Endpoint.Name: "side-2" });
        Assert.Contains(server.Requests, r => r.Method == "GET" && r.Path == "apis/networking.k8s.aws/v1alpha1/namespaces/shop/policyendpoints/side-1");
    }

    [Fact]
    public async Task EventsFoldedIntoTheJournalObjectSet_EqualTheServersObjects_AcrossARelist()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Namespaces, KubeObjects.Namespace("shop"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-1", "192.168.1.1"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-2", "192.168.1.2"));
        server.Upsert(KubeObjects.NetworkPolicies, KubeObjects.Policy("shop", "allow-80", 80));
        await using EventRecorder recorder = new();
        await using RunningSource source = KubernetesSource.Start(KubeObjects.Client(server), SourceScope.Standalone, recorder.Channel.Writer, CancellationToken.None, options: Fast, ownsClient: true);
        await source.Ready.WaitAsync(TestTimeouts.Default);
        await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Count() == 4, "four syncs");

        server.Upsert(KubeObjects.Namespaces, KubeObjects.Namespace("shop", team: "b"));
        server.ChangeWhileDisconnected(() =>
        {
            server.Delete(KubeObjects.Pods, "shop", "web-1");
            server.Delete(KubeObjects.NetworkPolicies, "shop", "allow-80");
            server.Upsert(KubeObjects.NetworkPolicies, KubeObjects.Policy("shop", "allow-443", 443));
        });
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "marker", "192.168.1.9"));
        await recorder.WaitUntilAsync(
            e => e.Any(x => x is PodUpserted { Pod.Name: "marker" }) &&
                e.OfType<SourceSynced>().Where(x => x.Relist).Select(x => x.SyncedKind).Distinct().Count() == 4,
            "the marker pod and a relist of every kind (the disconnect cut every watch)");

        JournalObjectSet folded = new();
        foreach (ClusterEvent e in recorder.Events)
        {
            if (ClusterEventMapper.ToJournal(e) is { } j)
            {
                folded.Apply(j);
            }
        }

        Assert.Equal(["shop/marker", "shop/web-2"], folded.Pods.Select(p => p.Ref.ToString()));
        Assert.Equal(["shop/allow-443"], folded.Policies.Select(p => p.Ref.ToString()));
        Assert.Equal("b", Assert.Single(folded.Namespaces).Labels["team"]);
    }
}
