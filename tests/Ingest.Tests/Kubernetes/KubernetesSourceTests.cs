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
            if (ClusterEventJournal.ToJournal(e) is { } j)
            {
                folded.Apply(j);
            }
        }

        Assert.Equal(["shop/marker", "shop/web-2"], folded.Pods.Select(p => p.Ref.ToString()));
        Assert.Equal(["shop/allow-443"], folded.Policies.Select(p => p.Ref.ToString()));
        Assert.Equal("b", Assert.Single(folded.Namespaces).Labels["team"]);
    }

    [Fact]
    public async Task Agent_SeesThePolicyEndpointsLabelledForItsNode_AndRelevantUnlabelledOnes_NotOtherNodes()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-1", "192.168.1.1", node: "node-1", hostIp: "10.0.0.1"));

        // "mine" is labelled for node-1 with two chunks; its second chunk names no pod of node-1 and is kept all the same.
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.NodeScoped(KubeObjects.PolicyEndpoint("shop", "mine-1", "mine", ("web-1", "192.168.1.1", "10.0.0.1")), "node-1", "node-2"));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.NodeScoped(KubeObjects.PolicyEndpoint("shop", "mine-2", "mine", ("web-2", "192.168.2.1", "10.0.0.2")), "node-1", "node-2"));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.NodeScoped(KubeObjects.PolicyEndpoint("shop", "theirs-1", "theirs", ("web-2", "192.168.2.1", "10.0.0.2")), "node-2"));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "eks-1", "eks", ("web-1", "192.168.1.1", "10.0.0.1")));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "remote-1", "remote", ("web-2", "192.168.2.1", "10.0.0.2")));
        await using EventRecorder recorder = new();
        await using RunningSource source = KubernetesSource.Start(KubeObjects.Client(server), SourceScope.Agent("node-1"), recorder.Channel.Writer, CancellationToken.None, options: Fast, ownsClient: true);
        await source.Ready.WaitAsync(TestTimeouts.Default);
        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Count() == 2, "both syncs");

        Assert.Equal(["eks-1", "mine-1", "mine-2"], events.OfType<PolicyEndpointUpserted>().Select(p => p.Endpoint.Name).Order());
        Assert.Equal(3, events.OfType<SourceSynced>().Single(s => s.SyncedKind == ResourceKind.PolicyEndpoint).ObjectCount);
        Assert.Equal(
            ["labelSelector=!npa.io/node-scoped", "labelSelector=nodes.npa.io/node-1"],
            server.Requests.Where(r => r.Path == KubeObjects.PolicyEndpoints).Select(r => Uri.UnescapeDataString(r.Query).TrimStart('?').Split('&').Single(q => q.StartsWith("labelSelector=", StringComparison.Ordinal))).Distinct().Order());
        Assert.DoesNotContain(server.Requests, r => r.Path == KubeObjects.PolicyEndpoints && !r.Query.Contains("labelSelector", StringComparison.Ordinal));

        // The policy no longer selects a pod of node-1: the controller drops the node's label from both chunks.
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.NodeScoped(KubeObjects.PolicyEndpoint("shop", "mine-1", "mine", ("web-3", "192.168.3.1", "10.0.0.2")), "node-2"));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.NodeScoped(KubeObjects.PolicyEndpoint("shop", "mine-2", "mine", ("web-2", "192.168.2.1", "10.0.0.2")), "node-2"));
        events = await recorder.WaitUntilAsync(e => e.OfType<PolicyEndpointDeleted>().Count() == 2, "mine's chunks dropped");
        Assert.Equal(["mine-1", "mine-2"], events.OfType<PolicyEndpointDeleted>().Select(d => d.Endpoint.Name).Order());
        Assert.All(events.OfType<PolicyEndpointDeleted>(), d => Assert.False(d.Synthetic));
    }

    [Fact]
    public async Task Agent_PolicyEndpointsGainingNodeLabels_MoveSlicesWithoutEverEndingDeleted()
    {
        // The EKS controller wrote these; ours takes over and labels them. Every object leaves the
        // unlabelled slice (DELETED on that watch) and enters the node's (ADDED on the other), in
        // whatever order the two watch streams deliver.
        const int Count = 30;
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-1", "192.168.1.1", node: "node-1", hostIp: "10.0.0.1"));
        for (int i = 0; i < Count; i++)
        {
            server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", $"p{i}-1", $"p{i}", ("web-1", "192.168.1.1", "10.0.0.1")));
        }

        await using EventRecorder recorder = new();
        await using RunningSource source = KubernetesSource.Start(KubeObjects.Client(server), SourceScope.Agent("node-1"), recorder.Channel.Writer, CancellationToken.None, options: Fast, ownsClient: true);
        await source.Ready.WaitAsync(TestTimeouts.Default);
        await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Count() == 2, "both syncs");

        long before = server.Revision;
        for (int i = 0; i < Count; i++)
        {
            server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.NodeScoped(KubeObjects.PolicyEndpoint("shop", $"p{i}-1", $"p{i}", ("web-1", "192.168.1.1", "10.0.0.1")), "node-1"));
        }

        // One more object on each slice: once both are seen, every earlier line of both streams has been handled.
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "last-1", "last", ("web-1", "192.168.1.1", "10.0.0.1")));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.NodeScoped(KubeObjects.PolicyEndpoint("shop", "last-2", "last2"), "node-1"));
        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(
            e => e.Any(x => x is PolicyEndpointUpserted { Endpoint.Name: "last-1" }) && e.Any(x => x is PolicyEndpointUpserted { Endpoint.Name: "last-2" }),
            "the last object of each slice");

        Dictionary<string, string> held = [];
        foreach (ClusterEvent e in events)
        {
            switch (e)
            {
                case PolicyEndpointUpserted u:
                    held[u.Endpoint.Name] = u.ResourceVersion;
                    break;
                case PolicyEndpointDeleted d:
                    held.Remove(d.Endpoint.Name);
                    break;
            }
        }

        Assert.All(Enumerable.Range(0, Count), i => Assert.True(
            held.TryGetValue($"p{i}-1", out string? rv) && long.Parse(rv, System.Globalization.CultureInfo.InvariantCulture) > before,
            $"p{i}-1 is held at its labelled version"));
    }
}
