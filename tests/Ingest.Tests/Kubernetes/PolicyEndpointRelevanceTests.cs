using Npa.Ingest.Kubernetes;
using Npa.Resolver.Model;

namespace Npa.Ingest.Tests.Kubernetes;

/// <summary>
/// The relevance filter of an agent's unlabelled PolicyEndpoint slice, while a policy's chunks are
/// migrated to node labels one at a time (some chunks already in the node's labelled slice).
/// </summary>
public sealed class PolicyEndpointRelevanceTests
{
    private static readonly PodEndpoint Local = new("10.0.0.1", "192.168.1.1", "web-1", "shop");
    private static readonly PodEndpoint Remote = new("10.0.0.2", "192.168.2.1", "web-2", "shop");

    [Fact]
    public void ChunkMovedToTheLabelledSlice_KeepsThePolicysOtherUnlabelledChunks()
    {
        PolicyEndpointRelevance relevance = new("node-1", ["10.0.0.1"]);
        IInformerFilter<PolicyEndpointSpec> labelled = relevance.NodeScopedObserver;
        Assert.True(relevance.Keep(Key("web-1"), Chunk("web-1", Local)));
        Assert.True(relevance.Keep(Key("web-2"), Chunk("web-2", Remote)));

        // web-1 gains the labels: ADDED on the labelled slice, then DELETED on the unlabelled one.
        Assert.True(labelled.Keep(Key("web-1"), Chunk("web-1", Local)));
        relevance.Forget(Key("web-1"));

        Assert.Empty(relevance.TakeRevisits());
        Assert.True(relevance.Keep(Key("web-2"), Chunk("web-2", Remote)));
    }

    [Fact]
    public void WithoutALabelledChunk_LosingTheOnlyLocalChunk_DropsTheOthers()
    {
        PolicyEndpointRelevance relevance = new("node-1", ["10.0.0.1"]);
        Assert.True(relevance.Keep(Key("web-1"), Chunk("web-1", Local)));
        Assert.True(relevance.Keep(Key("web-2"), Chunk("web-2", Remote)));

        relevance.Forget(Key("web-1"));

        Assert.Equal([Key("web-2")], relevance.TakeRevisits());
        Assert.False(relevance.Keep(Key("web-2"), Chunk("web-2", Remote)));
    }

    [Fact]
    public void LabelledSliceGainsOrLosesThePolicy_UnlabelledChunksAreRevisited()
    {
        PolicyEndpointRelevance relevance = new("node-1", ["10.0.0.1"]);
        IInformerFilter<PolicyEndpointSpec> labelled = relevance.NodeScopedObserver;
        Assert.False(relevance.Keep(Key("web-2"), Chunk("web-2", Remote)));

        Assert.True(labelled.Keep(Key("web-1"), Chunk("web-1", Remote)));
        Assert.Equal([Key("web-2")], relevance.TakeRevisits());
        Assert.True(relevance.Keep(Key("web-2"), Chunk("web-2", Remote)));
        Assert.Empty(labelled.TakeRevisits()); // the unlabelled slice's informer takes them, through the filter itself

        labelled.Forget(Key("web-1"));
        Assert.Equal([Key("web-2")], relevance.TakeRevisits());
        Assert.False(relevance.Keep(Key("web-2"), Chunk("web-2", Remote)));
    }

    private static ObjectRef Key(string name) => new("shop", name);

    private static PolicyEndpointSpec Chunk(string name, params PodEndpoint[] pods) =>
        new("shop", name, "web-", new PolicyReference("web", "shop"), null, [Direction.Ingress], pods, [], []);
}
