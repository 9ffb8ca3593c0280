using Npa.Ingest.Kubernetes.Controller;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Tests.Shared;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Ingest.Tests.Kubernetes.Controller;

public sealed class ControllerLeadershipTests
{
    [Fact]
    public async Task OneReplicaLeadsThroughTheLease_AndAnotherTakesOverWhenItStops()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes clientA = KubeObjects.Client(server);
        using k8s.Kubernetes clientB = KubeObjects.Client(server);
        ControllerLeadership a = Fast(clientA, "replica-a");
        ControllerLeadership b = Fast(clientB, "replica-b");
        TaskCompletionSource<string> firstTerm = new(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource<string> secondTerm = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<string, Func<CancellationToken, Task>> lead = who => async token =>
        {
            if (!firstTerm.TrySetResult(who))
            {
                secondTerm.TrySetResult(who);
            }

            await Task.Delay(Timeout.Infinite, token);
        };

        using CancellationTokenSource stopA = new();
        using CancellationTokenSource stopB = new();
        Task runA = a.RunAsync(lead("replica-a"), stopA.Token);
        string first = await firstTerm.Task.WaitAsync(TestTimeouts.Default);
        Assert.Equal("replica-a", first);
        Task runB = b.RunAsync(lead("replica-b"), stopB.Token);

        // A keeps renewing its lease (several PUTs after B joined), and B does not lead meanwhile.
        int renewalsBefore = Renewals(server);
        await ResourceInformerTests.Eventually(() => Renewals(server) >= renewalsBefore + 3, "three renewals by the leader");
        Assert.False(secondTerm.Task.IsCompleted);
        Assert.True(a.IsLeader);

        await stopA.CancelAsync();
        await runA.WaitAsync(TestTimeouts.Default);
        Assert.Equal("replica-b", await secondTerm.Task.WaitAsync(TestTimeouts.Default));
        Assert.Contains(server.Requests, r => r.Path == "apis/coordination.k8s.io/v1/namespaces/kube-system/leases" && r.Method == "POST");
        Assert.Contains(server.Requests, r => r.Path.EndsWith("leases/npa-controller", StringComparison.Ordinal) && r.Method == "PUT");

        await stopB.CancelAsync();
        await runB.WaitAsync(TestTimeouts.Default);
    }

    private static int Renewals(Server server) =>
        server.Requests.Count(r => r.Method == "PUT" && r.Path.EndsWith("leases/npa-controller", StringComparison.Ordinal));

    private static ControllerLeadership Fast(k8s.Kubernetes client, string identity) => new(client, "kube-system", identity)
    {
        LeaseDuration = TimeSpan.FromSeconds(3),
        RenewDeadline = TimeSpan.FromSeconds(2),
        RetryPeriod = TimeSpan.FromMilliseconds(200),
    };
}
