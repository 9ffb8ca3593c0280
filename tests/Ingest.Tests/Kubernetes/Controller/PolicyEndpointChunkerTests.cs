using Npa.Ingest.Kubernetes.Controller;
using Npa.Resolver.Model;

namespace Npa.Ingest.Tests.Kubernetes.Controller;

public sealed class PolicyEndpointChunkerTests
{
    private static PolicyEndpointSpec Spec(int pods, int ingress, int egress) => new(
        "shop", "", "web-", new PolicyReference("web", "shop"), LabelSelector.Everything, [Direction.Ingress, Direction.Egress],
        [.. Enumerable.Range(0, pods).Select(i => new PodEndpoint("10.0.0.1", $"192.168.0.{i}", $"p{i}", "shop"))],
        [.. Enumerable.Range(0, ingress).Select(i => new EndpointInfo($"10.1.0.{i}/32", [], []))],
        [.. Enumerable.Range(0, egress).Select(i => new EndpointInfo($"10.2.0.{i}/32", [], []))]);

    [Fact]
    public void ListsWithinTheChunkSize_StayInOneObject()
    {
        PolicyEndpointSpec spec = Spec(3, 3, 0);
        Assert.Same(spec, Assert.Single(PolicyEndpointChunker.Chunk([spec], 3)));
    }

    [Fact]
    public void LongLists_AreSplitSideBySide_AndEveryChunkKeepsThePolicyIdentity()
    {
        IReadOnlyList<PolicyEndpointSpec> chunks = PolicyEndpointChunker.Chunk([Spec(pods: 5, ingress: 2, egress: 7)], 3);

        Assert.Equal([3, 3, 1], chunks.Select(c => c.Egress.Count));
        Assert.Equal([3, 2, 0], chunks.Select(c => c.PodSelectorEndpoints.Count));
        Assert.Equal([2, 0, 0], chunks.Select(c => c.Ingress.Count));
        Assert.All(chunks, c => Assert.Equal((new PolicyReference("web", "shop"), 2), (c.PolicyRef, c.PodIsolation.Count)));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"10.2.0.{i}/32"), chunks.SelectMany(c => c.Egress).Select(e => e.Cidr));
    }
}
