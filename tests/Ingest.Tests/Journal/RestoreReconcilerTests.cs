using Npa.Ingest.Journal;
using Npa.Resolver.Events;
using Npa.Resolver.Model;

namespace Npa.Ingest.Tests.Journal;

public class RestoreReconcilerTests
{
    private static JournalObjectKey PodKey(string name) => new(ResourceKind.Pod, "shop", name);

    [Fact]
    public void FirstSyncOfAKind_DeletesRestoredObjectsTheListDidNotContain()
    {
        RestoreReconciler reconciler = new([PodKey("a"), PodKey("b"), new JournalObjectKey(ResourceKind.Namespace, "", "shop")]);

        reconciler.Observe(new PodUpserted(JournalSamples.Pod("shop", "a", "192.168.0.1"), "5"));
        IReadOnlyList<ClusterEvent> deletes = reconciler.Observe(new SourceSynced(ResourceKind.Pod, "5", 1, 0, false));

        PodDeleted gone = Assert.IsType<PodDeleted>(Assert.Single(deletes));
        Assert.Equal(new ObjectRef("shop", "b"), gone.Pod);
        Assert.True(gone.Synthetic);
        Assert.Equal(1, reconciler.Pending); // the namespace awaits its own list
    }

    [Fact]
    public void LaterSyncs_AndObjectsConfirmedByTheList_DeleteNothing()
    {
        RestoreReconciler reconciler = new([PodKey("a")]);

        reconciler.Observe(new PodUpserted(JournalSamples.Pod("shop", "a", "192.168.0.1"), "5"));

        Assert.Empty(reconciler.Observe(new SourceSynced(ResourceKind.Pod, "5", 1, 0, false)));
        Assert.Empty(reconciler.Observe(new SourceSynced(ResourceKind.Pod, "6", 1, 0, true)));
    }

    [Fact]
    public void DomainEvents_SurviveTheJournalForm()
    {
        ClusterEvent[] events =
        [
            new PodUpserted(JournalSamples.Pod("shop", "a", "192.168.0.1"), "1"),
            new PolicyUpserted(JournalSamples.Policy("shop", "np"), "2"),
            new ServiceUpserted(JournalSamples.Service("shop", "svc"), "3"),
            new PolicyEndpointUpserted(JournalSamples.PolicyEndpoint("shop", "web-x"), "4"),
            new PodDeleted(new ObjectRef("shop", "a"), "uid", "5"),
            new NamespaceDeleted("shop", "6"),
        ];

        foreach (ClusterEvent e in events)
        {
            ClusterEvent back = ClusterEventMapper.ToCluster(ClusterEventMapper.ToJournal(e)!);
            Assert.Equal(e.GetType(), back.GetType());
            Assert.Equal(ClusterEventMapper.KeyOf(e), ClusterEventMapper.KeyOf(back));
        }

        Assert.Equal(((PodUpserted)events[0]).Pod, ((PodUpserted)ClusterEventMapper.ToCluster(ClusterEventMapper.ToJournal(events[0])!)).Pod);
        Assert.Null(ClusterEventMapper.ToJournal(new ObjectRejected(ResourceKind.Pod, new ObjectRef("shop", "bad"), [], "7")));
    }
}
