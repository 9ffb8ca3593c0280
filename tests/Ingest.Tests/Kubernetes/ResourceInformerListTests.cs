using System.Net;
using Npa.Ingest.Kubernetes;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Resolver.Events;
using Npa.Resolver.Model;
using Npa.Tests.Shared;
using static Npa.Ingest.Tests.Kubernetes.ResourceInformerTests;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Ingest.Tests.Kubernetes;

/// <summary>
/// A list is applied page by page as it arrives, and only a complete list is a sync: one that fails
/// or stalls part-way reports the objects it has seen and nothing about those it has not.
/// </summary>
public sealed class ResourceInformerListTests
{
    private static readonly InformerOptions Fast = new()
    {
        PageSize = 3,
        RetryDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
    };

    [Fact]
    public async Task SlowList_ReportsEachPageAsItArrives_ButIsNotSyncedBeforeItsLastPage()
    {
        await using Server server = await Server.StartAsync();
        AddPods(server, 9);
        TaskCompletionSource lastPage = new(TaskCreationOptions.RunContinuationsAsynchronously);
        server.BeforeListPage = async (collection, offset) =>
        {
            if (offset == 6)
            {
                await lastPage.Task;
            }

            return null;
        };

        await using EventRecorder recorder = new();
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast);
        IReadOnlyList<ClusterEvent> early = await recorder.WaitUntilAsync(e => e.OfType<PodUpserted>().Count() == 6, "the first two pages");

        Assert.DoesNotContain(early, e => e is SourceSynced);
        Assert.False(informer.Informer.Ready.IsCompleted);
        Assert.Equal("", informer.Informer.ResourceVersion);

        lastPage.SetResult();
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the sync");
        Assert.Equal(9, events.OfType<PodUpserted>().Count());
        Assert.Equal(9, events.OfType<SourceSynced>().Single().ObjectCount);
    }

    [Fact]
    public async Task FirstListFailingOnPage3_IsNeverReady_AndReportsEveryObjectOnceItSucceeds()
    {
        await using Server server = await Server.StartAsync();
        AddPods(server, 9);
        int failures = 0;
        bool failing = true;
        server.BeforeListPage = (collection, offset) =>
        {
            if (offset == 6 && Volatile.Read(ref failing))
            {
                Interlocked.Increment(ref failures);
                return Task.FromResult<HttpStatusCode?>(HttpStatusCode.InternalServerError);
            }

            return Task.FromResult<HttpStatusCode?>(null);
        };

        await using EventRecorder recorder = new(capacity: 64);
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast);
        await Eventually(() => Volatile.Read(ref failures) >= 3, "page 3 to fail three times");

        Assert.DoesNotContain(recorder.Events, e => e is SourceSynced or PodDeleted);
        Assert.False(informer.Informer.Ready.IsCompleted);

        Volatile.Write(ref failing, false);
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the sync");
        // Every retry listed pages 1 and 2 again, but an object seen at the same resourceVersion is reported once.
        Assert.Equal(9, events.OfType<PodUpserted>().Count());
        Assert.Equal(9, events.OfType<PodUpserted>().Select(p => p.Pod.Ref).Distinct().Count());
        Assert.DoesNotContain(events, e => e is PodDeleted);
    }

    [Fact]
    public async Task RelistFailingOnPage3_ReportsNoSyntheticDeletesForObjectsNotYetSeen_NorASync()
    {
        await using Server server = await Server.StartAsync();
        AddPods(server, 9);
        await using EventRecorder recorder = new(capacity: 64);
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast);
        await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the first sync");
        await WaitForWatchAsync(server, KubeObjects.Pods);

        int failures = 0;
        bool failing = true;
        server.BeforeListPage = (collection, offset) =>
        {
            if (offset == 6 && Volatile.Read(ref failing))
            {
                Interlocked.Increment(ref failures);
                return Task.FromResult<HttpStatusCode?>(HttpStatusCode.ServiceUnavailable);
            }

            return Task.FromResult<HttpStatusCode?>(null);
        };

        // p1 goes while no one watches: the relist must find that out, and only that.
        server.ChangeWhileDisconnected(() => server.Delete(KubeObjects.Pods, "default", "p1"));
        await Eventually(() => Volatile.Read(ref failures) >= 3, "the relist's page 3 to fail three times");

        Assert.DoesNotContain(recorder.Events, e => e is PodDeleted);
        Assert.Single(recorder.Events.OfType<SourceSynced>());
        Assert.Equal(9, informer.Informer.Snapshot().Count);

        Volatile.Write(ref failing, false);
        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(s => s.Relist), "the relist");
        SourceSynced relist = events.OfType<SourceSynced>().Single(s => s.Relist);
        Assert.Equal((8, 1), (relist.ObjectCount, relist.SyntheticDeletes));
        Assert.Equal(["default/p1"], events.OfType<PodDeleted>().Select(d => d.Pod.ToString()));
        Assert.Equal(8, informer.Informer.Snapshot().Count);
    }

    [Fact]
    public async Task ObjectDroppedByTheFilterEarlyInTheList_IsTakenFromTheList_WhenALaterPageMakesItWanted()
    {
        await using Server server = await Server.StartAsync();
        AddPods(server, 9);
        // p0 is wanted only once p8 (on the last page) has been seen.
        WantedAfter filter = new(wanted: new ObjectRef("default", "p0"), after: new ObjectRef("default", "p8"));
        await using EventRecorder recorder = new(capacity: 64);
        await using Running<PodInfo> informer = Running<PodInfo>.Start(server, ApiResource.Pods, ResourceDescriptors.Pods, recorder, Fast, filter);
        await informer.Informer.Ready.WaitAsync(TestTimeouts.Default);
        IReadOnlyList<ClusterEvent> events = await recorder.WaitUntilAsync(e => e.OfType<SourceSynced>().Any(), "the sync");

        Assert.Contains(events, e => e is PodUpserted { Pod.Name: "p0" });
        Assert.Equal(9, events.OfType<SourceSynced>().Single().ObjectCount);
        Assert.Equal(0, informer.Informer.Counters.Refetches);
    }

    private static void AddPods(Server server, int count)
    {
        for (int i = 0; i < count; i++)
        {
            server.Upsert(KubeObjects.Pods, KubeObjects.Pod("default", $"p{i}", $"192.168.1.{i + 1}"));
        }
    }

    /// <summary>Drops <c>wanted</c> until <c>after</c> has been kept, then asks for it to be revisited.</summary>
    private sealed class WantedAfter(ObjectRef wanted, ObjectRef after) : IInformerFilter<PodInfo>
    {
        private readonly List<ObjectRef> _revisits = [];
        private bool _seen;

        public bool Keep(ObjectRef key, PodInfo value)
        {
            if (key == after && !_seen)
            {
                _seen = true;
                _revisits.Add(wanted);
            }

            return key != wanted || _seen;
        }

        public void Forget(ObjectRef key)
        {
        }

        public IReadOnlyList<ObjectRef> TakeRevisits()
        {
            ObjectRef[] taken = [.. _revisits];
            _revisits.Clear();
            return taken;
        }
    }
}
