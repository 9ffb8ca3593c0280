using System.Text.Json.Nodes;
using Npa.Ingest.Kubernetes;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Resolver.Events;
using Npa.Resolver.Model;
using Npa.Tests.Shared;
using Xunit.Abstractions;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Ingest.Tests.Kubernetes;

public sealed class ResourceInformerTests(ITestOutputHelper output)
{
    private static readonly InformerOptions Fast = new()
    {
        PageSize = 3,
        RetryDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(100),
    };

    [Fact]
    public async Task FirstList_IsPagedAndReported_ThenWatchResumesFromTheListResourceVersion()
    {
        await using Server server = await Server.StartAsync();
        for (int i = 0; i < 7; i++)
        {
            server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", $"web-{i}", $"192.168.1.{i + 1}"));
        }

        long listedAt = server.Revision;
        await using EventRecorder recorder = new();
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast);
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the first sync");

        IReadOnlyList<ClusterEvent> events = recorder.Events;
        Assert.Equal(7, events.OfType<PodUpserted>().Count());
        SourceSynced synced = Assert.IsType<SourceSynced>(events[^1]);
        Assert.Equal((ResourceKind.Pod, 7, 0, false), (synced.SyncedKind, synced.ObjectCount, synced.SyntheticDeletes, synced.Relist));
        Assert.Equal(listedAt.ToString(), synced.ResourceVersion);

        List<RecordedRequest> lists = [.. server.Requests.Where(r => r.Path == KubeObjects.Pods && !r.Query.Contains("watch=", StringComparison.Ordinal))];
        Assert.Equal(3, lists.Count);
        Assert.All(lists, r => Assert.Contains("limit=3", r.Query, StringComparison.Ordinal));
        Assert.Contains("continue=", lists[1].Query, StringComparison.Ordinal);

        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", "late", "192.168.2.1"));
        server.Delete(KubeObjects.Pods, "default", "web-0");
        await recorder.WaitUntilAsync(e => e.OfType<PodDeleted>().Any(), "the watched delete");

        RecordedRequest watch = server.Requests.First(r => r.Query.Contains("watch=true", StringComparison.Ordinal));
        Assert.Contains("allowWatchBookmarks=true", watch.Query, StringComparison.Ordinal);
        Assert.Contains($"resourceVersion={listedAt}", watch.Query, StringComparison.Ordinal);
        PodDeleted deleted = recorder.Events.OfType<PodDeleted>().Single();
        Assert.Equal((new ObjectRef("default", "web-0"), false), (deleted.Pod, deleted.Synthetic));
        Assert.Contains(recorder.Events.OfType<PodUpserted>(), e => e.Pod.Name == "late");
    }

    [Fact]
    public async Task ExpiredContinueToken_RestartsTheList_AndEveryObjectIsReportedOnce()
    {
        await using Server server = await Server.StartAsync();
        for (int i = 0; i < 5; i++)
        {
            server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", $"web-{i}", $"192.168.1.{i + 1}"));
        }

        server.ExpireNextContinue();
        await using EventRecorder recorder = new();
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast);
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the first sync");

        Assert.Equal(5, events.OfType<PodUpserted>().Select(p => p.Pod.Name).Distinct().Count());
        Assert.Equal(5, events.OfType<PodUpserted>().Count());
        Assert.Equal(1, informer.Informer.Counters.Lists);
        // Page 1, page 2 (expired), then page 1 and page 2 again.
        Assert.Equal(4, server.Requests.Count(r => r.Path == KubeObjects.Pods && !r.Query.Contains("watch=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ClosedEventChannel_StopsTheInformer_InsteadOfRetrying()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", "a", "192.168.1.1"));
        using k8s.Kubernetes client = KubeObjects.Client(server);
        System.Threading.Channels.Channel<ClusterEvent> channel = System.Threading.Channels.Channel.CreateBounded<ClusterEvent>(1);
        channel.Writer.Complete();
        ResourceInformer<PodInfo> informer = new(new KubernetesWatchApi(client), ApiResource.Pods, ResourceDescriptors.Pods, channel.Writer, Fast);

        await informer.RunAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);

        Assert.True(informer.Ready.IsCanceled);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task ServerErrors_AreRetriedWithBackoff_UntilTheListSucceeds()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", "a", "192.168.1.1"));
        server.FailNext(4, System.Net.HttpStatusCode.ServiceUnavailable);
        await using EventRecorder recorder = new();
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast);

        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);

        Assert.True(server.Requests.Count(r => r.Path == KubeObjects.Pods) >= 5);
        Assert.Equal(["default/a"], informer.Informer.Snapshot().Keys.Select(k => k.ToString()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExpiredResourceVersion_Relists_AndReportsObjectsThatVanishedWhileDisconnected(bool goneAsErrorEvent)
    {
        await using Server server = await Server.StartAsync();
        server.GoneAsErrorEvent = goneAsErrorEvent;
        foreach (string name in new[] { "a", "b", "c" })
        {
            server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", name, "192.168.1.1"));
        }

        await using EventRecorder recorder = new();
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast);
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the first sync");
        await WaitForWatchAsync(server, KubeObjects.Pods);

        server.ChangeWhileDisconnected(() =>
        {
            server.Delete(KubeObjects.Pods, "default", "a");
            server.Delete(KubeObjects.Pods, "default", "b");
            server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", "d", "192.168.1.4"));
        });

        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(s => s.Relist), "the relist");
        SourceSynced relist = events.OfType<SourceSynced>().Single(s => s.Relist);
        Assert.Equal(2, relist.SyntheticDeletes);
        Assert.Equal(["default/a", "default/b"], events.OfType<PodDeleted>().Where(d => d.Synthetic).Select(d => d.Pod.ToString()).Order());
        Assert.Contains(events, e => e is PodUpserted { Pod.Name: "d" });
        Assert.Equal(["default/c", "default/d"], informer.Informer.Snapshot().Keys.Select(k => k.ToString()).Order());
        Assert.True(informer.Informer.Counters.Expired >= 1);

        // The first list may come from the API server's watch cache; a relist after 410 is a consistent read.
        List<RecordedRequest> lists = [.. server.Requests.Where(r => r.Attributes is { Verb: "list" })];
        Assert.Contains("resourceVersion=0", lists[0].Query, StringComparison.Ordinal);
        Assert.All(lists.Skip(1), r => Assert.DoesNotContain("resourceVersion=", r.Query, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FirstListFromTheWatchCache_SendsResourceVersion0OnItsFirstPageOnly_AndCanBeTurnedOff()
    {
        await using Server server = await Server.StartAsync();
        for (int i = 0; i < 7; i++)
        {
            server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", $"web-{i}", $"192.168.1.{i + 1}"));
        }

        await using (EventRecorder recorder = new())
        await using (Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast))
        {
            await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        }

        // A real API server refuses resourceVersion beside continue (the fake answers 400 too).
        List<RecordedRequest> pages = [.. server.Requests.Where(r => r.Attributes is { Verb: "list" })];
        Assert.Equal(3, pages.Count);
        Assert.Contains("resourceVersion=0", pages[0].Query, StringComparison.Ordinal);
        Assert.All(pages.Skip(1), r => Assert.Contains("continue=", r.Query, StringComparison.Ordinal));
        Assert.All(pages.Skip(1), r => Assert.DoesNotContain("resourceVersion=", r.Query, StringComparison.Ordinal));

        int before = server.Requests.Count;
        await using (EventRecorder recorder = new())
        await using (Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast with { FirstListFromWatchCache = false }))
        {
            await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        }

        Assert.All(server.Requests.Skip(before).Where(r => r.Attributes is { Verb: "list" }), r => Assert.DoesNotContain("resourceVersion=", r.Query, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ObjectRecreatedWhileDisconnected_IsReportedAsDeleteOfTheOldUidThenUpsertOfTheNew()
    {
        await using Server server = await Server.StartAsync();
        string oldUid = server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", "a", "192.168.1.1"))["metadata"]!["uid"]!.GetValue<string>();
        await using EventRecorder recorder = new();
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast);
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        await WaitForWatchAsync(server, KubeObjects.Pods);

        server.ChangeWhileDisconnected(() =>
        {
            server.Delete(KubeObjects.Pods, "default", "a");
            server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", "a", "192.168.1.2"));
        });

        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(s => s.Relist), "the relist");
        PodDeleted deleted = events.OfType<PodDeleted>().Single();
        Assert.Equal((oldUid, true), (deleted.Uid, deleted.Synthetic));
        PodUpserted recreated = events.OfType<PodUpserted>().Last();
        Assert.NotEqual(oldUid, recreated.Pod.Uid);
        Assert.True(events.ToList().IndexOf(deleted) < events.ToList().IndexOf(recreated));
        Assert.Equal(1, events.OfType<SourceSynced>().Single(s => s.Relist).SyntheticDeletes);
    }

    [Fact]
    public async Task ErrorEventMidStream_WithStatus410_MeansRelist()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", "a", "192.168.1.1"));
        await using EventRecorder recorder = new();
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast);
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the first sync");
        await WaitForWatchAsync(server, KubeObjects.Pods);

        server.Compact();

        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(s => s.Relist), "the relist");
        Assert.Equal(0, events.OfType<SourceSynced>().Single(s => s.Relist).SyntheticDeletes);
        Assert.Single(events.OfType<PodUpserted>()); // the unchanged pod is not reported again
        Assert.Equal(1, informer.Informer.Counters.Expired);
    }

    [Fact]
    public async Task MalformedUnknownAndOutOfOrderLines_AreSkipped_AndAcceptedStateIsKept()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", "a", "192.168.1.1"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", "b", "192.168.1.2"));
        await using EventRecorder recorder = new();
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast);
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the first sync");
        await WaitForWatchAsync(server, KubeObjects.Pods);

        JsonObject stale = KubeObjects.Pod("default", "ghost", "192.168.9.9");
        stale["metadata"]!["resourceVersion"] = "1";
        stale["metadata"]!["uid"] = "u-ghost";
        JsonObject staleDelete = KubeObjects.Pod("default", "a", "192.168.1.1");
        staleDelete["metadata"]!["resourceVersion"] = "2";
        server.InjectLine(KubeObjects.Pods, "{this is not json");
        server.InjectLine(KubeObjects.Pods, """{"type":"ADDED"}""");
        server.InjectLine(KubeObjects.Pods, """{"type":"RESIZED","object":{"metadata":{"name":"x","resourceVersion":"999999"}}}""");
        server.InjectLine(KubeObjects.Pods, new JsonObject { ["type"] = "ADDED", ["object"] = stale }.ToJsonString());
        server.InjectLine(KubeObjects.Pods, new JsonObject { ["type"] = "DELETED", ["object"] = staleDelete }.ToJsonString());
        server.Bookmark(KubeObjects.Pods);
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", "c", "192.168.1.3"));

        await recorder.WaitUntilAsync(e => e.Any(x => x is PodUpserted { Pod.Name: "c" }), "the pod after the bad lines");
        Assert.Equal(5, informer.Informer.Counters.SkippedLines);
        Assert.Equal(1, informer.Informer.Counters.Bookmarks);
        Assert.Equal(["default/a", "default/b", "default/c"], informer.Informer.Snapshot().Keys.Select(k => k.ToString()).Order());
        Assert.DoesNotContain(recorder.Events, e => e is PodDeleted);
        Assert.Equal(1, informer.Informer.Counters.Watches); // bad lines did not cost the connection
    }

    [Fact]
    public async Task InvalidUpdate_IsRejectedWithADiagnostic_AndTheLastAcceptedPolicyStays()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.NetworkPolicies, KubeObjects.Policy("default", "web", 80));
        await using EventRecorder recorder = new();
        await using Running<NetworkPolicySpec> informer = Running<NetworkPolicySpec>.Start(
            server, ApiResource.NetworkPolicies, ResourceDescriptors.NetworkPolicies, recorder, Fast);
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the first sync");

        server.Upsert(KubeObjects.NetworkPolicies, KubeObjects.Policy("default", "web", 80, endPort: 70));

        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<ObjectRejected>().Any(), "the rejection");
        ObjectRejected rejected = events.OfType<ObjectRejected>().Single();
        Assert.Equal(new ObjectRef("default", "web"), rejected.Object);
        Diagnostic error = Assert.Single(rejected.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains("spec.ingress[0].ports[0]", error.Field, StringComparison.Ordinal);
        NetworkPolicySpec kept = informer.Informer.Snapshot()[new ObjectRef("default", "web")];
        Assert.Null(kept.Ingress[0].Ports[0].EndPort);
    }

    [Fact]
    public async Task SilentWatch_IsAbandonedByTheWatchdog_AndResumed()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", "a", "192.168.1.1"));
        await using EventRecorder recorder = new();
        InformerOptions options = Fast with { IdleTimeout = TimeSpan.FromMilliseconds(300) };
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, options);
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the first sync");

        await Eventually(() => informer.Informer.Counters.IdleTimeouts >= 1 && informer.Informer.Counters.Watches >= 2, "a second watch after the idle one");

        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", "b", "192.168.1.2"));
        await recorder.WaitUntilAsync(e => e.Any(x => x is PodUpserted { Pod.Name: "b" }), "the pod on the resumed watch");
        Assert.Equal(1, informer.Informer.Counters.Lists); // resumed, not relisted
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomChangesAndDisconnects_Converge_CacheAndReplayedEventsEqualTheServer(int seed)
    {
        Random random = new(seed);
        await using Server server = await Server.StartAsync();
        server.GoneAsErrorEvent = seed % 2 == 0;
        await using EventRecorder recorder = new(capacity: 4);
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast);
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the first sync");

        int next = 0;
        List<string> names = [];
        void Change()
        {
            int op = random.Next(names.Count == 0 ? 1 : 3);
            if (op == 0)
            {
                string name = $"p{next++}";
                names.Add(name);
                server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", name, $"192.168.{next / 250}.{(next % 250) + 1}"));
            }
            else if (op == 1)
            {
                string name = names[random.Next(names.Count)];
                server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", name, "192.168.100.1", app: $"v{random.Next(1000)}"));
            }
            else
            {
                string name = names[random.Next(names.Count)];
                names.Remove(name);
                server.Delete(KubeObjects.Pods, "default", name);
            }
        }

        for (int step = 0; step < 60; step++)
        {
            server.Disturb(random, outOf: 10, Change, () => server.Bookmark(KubeObjects.Pods));

            if (random.Next(3) == 0)
            {
                // Let the informer catch up now and then, so changes also arrive as watch events.
                string target = server.Revision.ToString();
                await Eventually(() => informer.Informer.ResourceVersion == target, $"resourceVersion {target}");
            }
        }

        // A final marker object: once it is reported, everything before it has been too.
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("marker", "end", "192.168.200.1"));
        await recorder.WaitUntilAsync(e => e.Any(x => x is PodUpserted { Pod.Ref: { Namespace: "marker", Name: "end" } }), "the final marker");

        Dictionary<string, string> expected = server.Objects(KubeObjects.Pods).ToDictionary(
            o => $"{o["metadata"]!["namespace"]}/{o["metadata"]!["name"]}",
            o => o["metadata"]!["labels"]!["app"]!.ToString());
        Dictionary<string, string> cached = informer.Informer.Snapshot().ToDictionary(kv => kv.Key.ToString(), kv => kv.Value.Labels["app"]);
        Assert.Equal(expected.OrderBy(kv => kv.Key), cached.OrderBy(kv => kv.Key));

        Dictionary<string, string> replayed = [];
        foreach (ClusterEvent e in recorder.Events)
        {
            switch (e)
            {
                case PodUpserted u:
                    replayed[u.Pod.Ref.ToString()] = u.Pod.Labels["app"];
                    break;
                case PodDeleted d:
                    Assert.True(replayed.Remove(d.Pod.ToString()), $"delete of {d.Pod} that was never reported");
                    break;
            }
        }

        Assert.Equal(expected.OrderBy(kv => kv.Key), replayed.OrderBy(kv => kv.Key));
        InformerCounters c = informer.Informer.Counters;
        output.WriteLine($"seed {seed}: {recorder.Events.Count} events, {c.Lists} lists, {c.Watches} watches, {c.Expired} expired, " +
            $"{c.SyntheticDeletes} synthetic deletes, {c.Bookmarks} bookmarks, {expected.Count} objects at the end");
    }

    internal static async Task WaitForWatchAsync(Server server, string collection) =>
        await Eventually(() => server.ActiveWatches(collection) > 0, $"a watch on {collection}");

    /// <summary>Polls a condition that no event signals, bounded by the default timeout.</summary>
    internal static async Task Eventually(Func<bool> condition, string what)
    {
        using CancellationTokenSource timeout = new(TestTimeouts.Default);
        while (!condition())
        {
            try
            {
                await Task.Delay(10, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }
        }
    }

    /// <summary>An informer running against the fake server until disposed.</summary>
    internal sealed class Running<T> : IAsyncDisposable
        where T : class
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly k8s.Kubernetes _client;
        private Task _run = Task.CompletedTask;

        private Running(ResourceInformer<T> informer, k8s.Kubernetes client)
        {
            Informer = informer;
            _client = client;
        }

        public ResourceInformer<T> Informer { get; }

        public static Running<T> Start(
            Server server, ApiResource resource, ResourceDescriptor<T> descriptor, EventRecorder recorder, InformerOptions options, IInformerFilter<T>? filter = null)
        {
            k8s.Kubernetes client = KubeObjects.Client(server);
            ResourceInformer<T> informer = new(new KubernetesWatchApi(client), resource, descriptor, recorder.Channel.Writer, options, Environment.GetEnvironmentVariable("NPA_TEST_LOG") is { } log ? new FileLogger(log) : null) { Filter = filter };
            Running<T> running = new(informer, client);
            running._run = Task.Run(() => informer.RunAsync(running._stop.Token));
            return running;
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run.WaitAsync(TestTimeouts.Default);
            _stop.Dispose();
            _client.Dispose();
        }
    }
}
