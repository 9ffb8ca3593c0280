using System.Threading.Channels;
using Npa.Ingest.Kubernetes;
using Npa.Resolver.Events;
using Npa.Resolver.Model;
using Npa.Tests.Shared;

namespace Npa.Ingest.Tests.Kubernetes;

/// <summary>
/// The merge of an agent's PolicyEndpoint slices (labelled for the node = 0, unlabelled = 1), fed
/// in exactly the orders two independent watch streams can deliver.
/// </summary>
public sealed class PolicyEndpointSlicesTests
{
    private const int Labelled = 0;
    private const int Unlabelled = 1;

    [Fact]
    public async Task MovedToAnotherSlice_OldSlicesDeleteAfterNewSlicesAdd_KeepsTheObject()
    {
        (PolicyEndpointSlices slices, Channel<ClusterEvent> merged) = Create();
        await slices.Writer(Unlabelled).WriteAsync(Upserted("web-abcde", "10"));
        await SyncBoth(slices);

        // The controller adds the labels at resourceVersion 11: ADDED on the node's slice arrives first,
        // then the unlabelled slice's DELETED (the object stopped matching "!npa.io/node-scoped").
        await slices.Writer(Labelled).WriteAsync(Upserted("web-abcde", "11"));
        await slices.Writer(Unlabelled).WriteAsync(Deleted("web-abcde", "11"));

        IReadOnlyList<ClusterEvent> events = Drain(merged);
        Assert.Equal(["upsert 10", "synced 1", "upsert 11"], events.Select(Describe));

        // A later removal of the node's label (no pod of the policy left here) does drop it.
        await slices.Writer(Labelled).WriteAsync(Deleted("web-abcde", "12"));
        Assert.Equal(["delete 12"], Drain(merged).Select(Describe));
    }

    [Fact]
    public async Task MovedToAnotherSlice_OldSlicesDeleteFirst_ReportsItGoneThenBack()
    {
        (PolicyEndpointSlices slices, Channel<ClusterEvent> merged) = Create();
        await slices.Writer(Unlabelled).WriteAsync(Upserted("web-abcde", "10"));
        await slices.Writer(Unlabelled).WriteAsync(Deleted("web-abcde", "11"));
        await slices.Writer(Labelled).WriteAsync(Upserted("web-abcde", "11"));

        Assert.Equal(["upsert 10", "delete 11", "upsert 11"], Drain(merged).Select(Describe));
    }

    [Fact]
    public async Task InBothSlices_ALaggingSlicesOlderUpdateAndDelete_NeitherRewindNorDrop()
    {
        // Labelled at 20 without the marker yet (both selectors match), then the marker is added at 21.
        (PolicyEndpointSlices slices, Channel<ClusterEvent> merged) = Create();
        await slices.Writer(Unlabelled).WriteAsync(Upserted("db-fghjk", "19"));
        await slices.Writer(Labelled).WriteAsync(Upserted("db-fghjk", "20"));
        await slices.Writer(Labelled).WriteAsync(Upserted("db-fghjk", "21"));
        await slices.Writer(Unlabelled).WriteAsync(Upserted("db-fghjk", "20")); // the unlabelled watch lags
        await slices.Writer(Unlabelled).WriteAsync(Deleted("db-fghjk", "21"));

        Assert.Equal(["upsert 19", "upsert 20", "upsert 21"], Drain(merged).Select(Describe));
    }

    [Fact]
    public async Task FirstSync_IsReportedOnceEverySliceHasListed_WithTheMergedCount()
    {
        (PolicyEndpointSlices slices, Channel<ClusterEvent> merged) = Create();
        await slices.Writer(Labelled).WriteAsync(Upserted("a-1", "5"));
        await slices.Writer(Labelled).WriteAsync(Synced("5", synthetic: 0));
        Assert.DoesNotContain(Drain(merged), e => e is SourceSynced);

        await slices.Writer(Unlabelled).WriteAsync(Upserted("b-1", "4"));
        await slices.Writer(Unlabelled).WriteAsync(Synced("6", synthetic: 2));
        SourceSynced synced = Assert.IsType<SourceSynced>(Assert.Single(Drain(merged), e => e is SourceSynced));
        Assert.Equal((ResourceKind.PolicyEndpoint, 2, 2, false), (synced.SyncedKind, synced.ObjectCount, synced.SyntheticDeletes, synced.Relist));

        // A later relist of one slice passes at once.
        await slices.Writer(Labelled).WriteAsync(Synced("9", synthetic: 0) with { Relist = true });
        Assert.True(Assert.IsType<SourceSynced>(Assert.Single(Drain(merged))).Relist);
    }

    [Fact]
    public async Task OtherEvents_PassUnchanged()
    {
        (PolicyEndpointSlices slices, Channel<ClusterEvent> merged) = Create();
        ObjectRejected rejected = new(ResourceKind.PolicyEndpoint, new ObjectRef("shop", "bad-1"), [], "3");
        Assert.True(slices.Writer(Unlabelled).TryWrite(rejected));
        Assert.Same(rejected, Assert.Single(Drain(merged)));
    }

    private static (PolicyEndpointSlices, Channel<ClusterEvent>) Create()
    {
        Channel<ClusterEvent> merged = Channel.CreateUnbounded<ClusterEvent>();
        return (new PolicyEndpointSlices(merged.Writer, sliceCount: 2), merged);
    }

    private static async Task SyncBoth(PolicyEndpointSlices slices)
    {
        await slices.Writer(Labelled).WriteAsync(Synced("10", 0)).AsTask().WaitAsync(TestTimeouts.Default);
        await slices.Writer(Unlabelled).WriteAsync(Synced("10", 0)).AsTask().WaitAsync(TestTimeouts.Default);
    }

    private static PolicyEndpointUpserted Upserted(string name, string rv) => new(
        new PolicyEndpointSpec("shop", name, name.Split('-')[0] + "-", Policy(name), null, [Direction.Ingress], [], [], []),
        rv);

    private static PolicyEndpointDeleted Deleted(string name, string rv) =>
        new(new ObjectRef("shop", name), Policy(name), rv);

    private static PolicyReference Policy(string name) => new(name.Split('-')[0], "shop");

    private static SourceSynced Synced(string rv, int synthetic) => new(ResourceKind.PolicyEndpoint, rv, 1, synthetic, Relist: false);

    private static List<ClusterEvent> Drain(Channel<ClusterEvent> channel)
    {
        List<ClusterEvent> events = [];
        while (channel.Reader.TryRead(out ClusterEvent? e))
        {
            events.Add(e);
        }

        return events;
    }

    private static string Describe(ClusterEvent e) => e switch
    {
        PolicyEndpointUpserted u => $"upsert {u.ResourceVersion}",
        PolicyEndpointDeleted d => $"delete {d.ResourceVersion}",
        SourceSynced s => $"synced {s.ObjectCount}",
        _ => e.GetType().Name,
    };
}
