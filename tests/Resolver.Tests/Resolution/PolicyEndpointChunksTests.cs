using Npa.Resolver.Model;
using Npa.Resolver.Resolution;

namespace Npa.Resolver.Tests.Resolution;

public class PolicyEndpointChunksTests
{
    private static PodEndpoint Pod(int i) => new("192.168.0.1", $"10.0.0.{i}", $"p{i}", "shop");

    private static EndpointInfo Peer(int i, int port = 80) => new($"10.1.0.{i}", [], [new EndpointPort(Protocol.Tcp, port, null)]);

    private static PolicyEndpointSpec Desired(IEnumerable<int> pods, IEnumerable<EndpointInfo>? ingress = null) =>
        new("shop", "", "web-", new PolicyReference("web", "shop"), LabelSelector.Everything, [Direction.Ingress],
            [.. pods.Select(Pod)], [.. ingress ?? []], []);

    private static PolicyEndpointSpec Existing(string name, params int[] pods) => Desired(pods) with { Name = name };

    [Fact]
    public void WithNothingExisting_EntriesArePackedInTheirOrder_IntoNewObjects()
    {
        IReadOnlyList<PolicyEndpointSpec> plan = PolicyEndpointChunks.Plan(Desired([1, 2, 3, 4, 5]), [], chunkSize: 2);

        Assert.Equal(["", "", ""], plan.Select(c => c.Name));
        Assert.Equal([[1, 2], [3, 4], [5]], plan.Select(c => c.PodSelectorEndpoints.Select(p => int.Parse(p.PodIp.Split('.')[3])).ToArray()));
    }

    [Fact]
    public void AnAddedPod_GoesToTheFirstObjectWithRoom_AndNoOtherObjectChanges()
    {
        PolicyEndpointSpec[] existing = [Existing("web-a", 1, 2), Existing("web-b", 3, 4), Existing("web-c", 5)];

        IReadOnlyList<PolicyEndpointSpec> plan = PolicyEndpointChunks.Plan(Desired([0, 1, 2, 3, 4, 5]), existing, chunkSize: 2);

        Assert.Equal(["web-a", "web-b", "web-c"], plan.Select(c => c.Name));
        Assert.True(plan[0].SameContent(existing[0]));
        Assert.True(plan[1].SameContent(existing[1]));
        Assert.Equal([Pod(0), Pod(5)], plan[2].PodSelectorEndpoints);
    }

    [Fact]
    public void ARemovedPod_LeavesOnlyTheObjectThatHeldIt()
    {
        PolicyEndpointSpec[] existing = [Existing("web-a", 1, 2), Existing("web-b", 3, 4), Existing("web-c", 5, 6)];

        IReadOnlyList<PolicyEndpointSpec> plan = PolicyEndpointChunks.Plan(Desired([1, 2, 4, 5, 6]), existing, chunkSize: 2);

        Assert.True(plan[0].SameContent(existing[0]));
        Assert.Equal([Pod(4)], plan[1].PodSelectorEndpoints);
        Assert.True(plan[2].SameContent(existing[2]));
    }

    [Fact]
    public void AnEntryWhosePortsChange_StaysInItsObject()
    {
        PolicyEndpointSpec[] existing =
        [
            Desired([], [Peer(1), Peer(2)]) with { Name = "web-a" },
            Desired([], [Peer(3)]) with { Name = "web-b" },
        ];

        IReadOnlyList<PolicyEndpointSpec> plan = PolicyEndpointChunks.Plan(Desired([], [Peer(1), Peer(2), Peer(3, port: 443)]), existing, chunkSize: 2);

        Assert.True(plan[0].SameContent(existing[0]));
        Assert.Equal([Peer(3, port: 443)], plan[1].Ingress);
    }

    [Fact]
    public void AnObjectLeftEmpty_IsDropped_ButAPolicyKeepsOneObject()
    {
        PolicyEndpointSpec[] existing = [Existing("web-a", 1, 2), Existing("web-b", 3)];

        IReadOnlyList<PolicyEndpointSpec> fewer = PolicyEndpointChunks.Plan(Desired([1, 2]), existing, chunkSize: 2);
        IReadOnlyList<PolicyEndpointSpec> none = PolicyEndpointChunks.Plan(Desired([]), existing, chunkSize: 2);

        Assert.Equal(["web-a"], fewer.Select(c => c.Name));
        PolicyEndpointSpec kept = Assert.Single(none);
        Assert.Equal("web-a", kept.Name);
        Assert.Empty(kept.PodSelectorEndpoints);
    }

    [Fact]
    public void ObjectsMuchEmptierThanNeeded_ArePackedAfresh_IntoTheFirstObjectsNames()
    {
        PolicyEndpointSpec[] existing = [.. Enumerable.Range(0, 6).Select(i => Existing($"web-{i}", i))];

        IReadOnlyList<PolicyEndpointSpec> plan = PolicyEndpointChunks.Plan(Desired([0, 1, 2, 3, 4]), existing, chunkSize: 4);

        Assert.Equal(["web-0", "web-1"], plan.Select(c => c.Name));
        Assert.Equal(4, plan[0].PodSelectorEndpoints.Count);
        Assert.Single(plan[1].PodSelectorEndpoints);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void AcrossRandomChanges_ObjectsHoldExactlyTheDesiredEntries_WithinTheChunkSize_AndAPlanIsStable(int seed)
    {
        Random random = new(seed);
        List<PolicyEndpointSpec> objects = [];
        int named = 0;
        for (int round = 0; round < 200; round++)
        {
            int[] pods = [.. Enumerable.Range(0, 40).Where(_ => random.Next(3) > 0)];
            EndpointInfo[] peers = [.. Enumerable.Range(0, 30).Where(_ => random.Next(2) > 0).Select(i => Peer(i, port: 80 + random.Next(2)))];
            PolicyEndpointSpec desired = Desired(pods, peers);

            IReadOnlyList<PolicyEndpointSpec> plan = PolicyEndpointChunks.Plan(desired, objects, chunkSize: 7);

            Assert.All(plan, c => Assert.True(c.PodSelectorEndpoints.Count <= 7 && c.Ingress.Count <= 7));
            Assert.Equal(desired.PodSelectorEndpoints.Order(PodOrder.Instance), plan.SelectMany(c => c.PodSelectorEndpoints).Order(PodOrder.Instance));
            Assert.Equal(desired.Ingress.Select(e => e.Cidr + e.Ports[0].Port).Order(), plan.SelectMany(c => c.Ingress).Select(e => e.Cidr + e.Ports[0].Port).Order());
            Assert.All(plan.Where(c => c.Name.Length > 0), c => Assert.Contains(objects, o => o.Name == c.Name));

            // What the API server now holds: kept objects by name, new ones named as it would.
            objects = [.. plan.Select(c => c.Name.Length > 0 ? c : c with { Name = $"web-{named++:D4}" })];

            // Planning the same wanted state again changes nothing: a restart writes nothing.
            IReadOnlyList<PolicyEndpointSpec> again = PolicyEndpointChunks.Plan(desired, objects, chunkSize: 7);
            Assert.Equal(objects.Select(o => o.Name).Order(), again.Select(c => c.Name).Order());
            Assert.All(again, c => Assert.True(c.SameContent(objects.Single(o => o.Name == c.Name))));
        }
    }

    private sealed class PodOrder : IComparer<PodEndpoint>
    {
        public static PodOrder Instance { get; } = new();

        public int Compare(PodEndpoint? x, PodEndpoint? y) => string.CompareOrdinal(x!.PodIp, y!.PodIp);
    }
}
