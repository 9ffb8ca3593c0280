using System.Collections.Concurrent;
using System.Net;
using Npa.Ingest.Kubernetes.Controller;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Resolver.Model;
using Npa.Tests.Shared;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Ingest.Tests.Kubernetes.Controller;

public sealed class PolicyEndpointSyncTests
{
    private static readonly ObjectRef Web = new("shop", "web");

    private static PolicyEndpointSpec Spec(string cidr) => new(
        "shop", "", "web-", new PolicyReference("web", "shop"), LabelSelector.Everything, [Direction.Ingress],
        [new PodEndpoint("10.0.0.1", "192.168.1.1", "web-1", "shop")],
        [new EndpointInfo(cidr, [], [])], [])
    {
        OwnerUid = "uid-web",
    };

    [Fact]
    public async Task ManyMarksOfOnePolicy_CoalesceIntoOneReconcile_AndAGonePolicyLosesItsPolicyEndpoints()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        PolicyEndpointSync sync = new(new PolicyEndpointWriter(client)) { BatchPeriod = TimeSpan.FromMilliseconds(50) };
        ConcurrentDictionary<ObjectRef, IReadOnlyList<PolicyEndpointSpec>> desired = new() { [Web] = [Spec("1.1.1.1/32")] };
        using CancellationTokenSource stop = new();
        Task run = sync.RunAsync(p => desired.TryGetValue(p, out IReadOnlyList<PolicyEndpointSpec>? d) ? d : null, stop.Token);

        for (int i = 0; i < 5; i++)
        {
            sync.MarkDirty(Web);
        }

        await ResourceInformerTests.Eventually(() => sync.Reconciles >= 1, "the first reconcile");
        Assert.Equal(1, sync.Reconciles);
        Assert.Single(server.Objects(KubeObjects.PolicyEndpoints));

        desired.TryRemove(Web, out _);
        sync.MarkDirty(Web);
        await ResourceInformerTests.Eventually(() => sync.Reconciles >= 2, "the delete");
        Assert.Empty(server.Objects(KubeObjects.PolicyEndpoints));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TestTimeouts.Default));
    }

    [Fact]
    public async Task AFailedReconcile_StaysDirty_AndSucceedsInALaterBatch()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        PolicyEndpointSync sync = new(new PolicyEndpointWriter(client)) { BatchPeriod = TimeSpan.FromMilliseconds(20) };
        // 422 is neither transient nor an access problem: the writer gives up and the sync tries again next batch.
        server.FailNext(2, HttpStatusCode.UnprocessableEntity);
        using CancellationTokenSource stop = new();
        Task run = sync.RunAsync(_ => [Spec("1.1.1.1/32")], stop.Token);

        sync.MarkDirty(Web);

        await ResourceInformerTests.Eventually(() => sync.Reconciles >= 1, "a successful reconcile");
        Assert.Equal(2, sync.Failures);
        Assert.Single(server.Objects(KubeObjects.PolicyEndpoints));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TestTimeouts.Default));
    }
}
