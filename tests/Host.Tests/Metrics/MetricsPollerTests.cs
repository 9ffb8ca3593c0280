using System.Threading.Channels;
using Npa.Host.Metrics;
using Npa.Host.Stages;
using Npa.Resolver.Events;

namespace Npa.Host.Tests.Metrics;

public class MetricsPollerTests
{
    private sealed class RestartingSource : IClusterEventSource
    {
        public Dictionary<string, long> Restarts { get; } = new();

        public IReadOnlyDictionary<string, long> WatchRestarts => Restarts;

        public Task RunAsync(ChannelWriter<ClusterEvent> events, Action onSynced, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    [Fact]
    public void KernelVerdictCounters_BecomePrometheusCounters_ByDifference()
    {
        NpaMetrics metrics = new();
        InMemoryPodEnforcer enforcer = new() { Verdicts = new VerdictCounts(10, 3, 7, 1) };
        RestartingSource source = new();
        MetricsPoller poller = new(metrics, enforcer, source, TimeProvider.System);

        poller.PollOnce();
        enforcer.Verdicts = new VerdictCounts(15, 5, 7, 4);
        poller.PollOnce();

        Assert.Equal(15, metrics.AcceptCount.WithLabels("ingress").Value);
        Assert.Equal(7, metrics.AcceptCount.WithLabels("egress").Value);
        Assert.Equal(5, metrics.DropCount.WithLabels("ingress").Value);
        Assert.Equal(4, metrics.DropCount.WithLabels("egress").Value);
    }

    [Fact]
    public void CounterReset_CountsFromTheNewValue_NeverBackwards()
    {
        NpaMetrics metrics = new();
        InMemoryPodEnforcer enforcer = new() { Verdicts = new VerdictCounts(0, 100, 0, 0) };
        MetricsPoller poller = new(metrics, enforcer, new RestartingSource(), TimeProvider.System);

        poller.PollOnce();
        enforcer.Verdicts = new VerdictCounts(0, 2, 0, 0);
        poller.PollOnce();

        Assert.Equal(102, metrics.DropCount.WithLabels("ingress").Value);
    }

    [Fact]
    public void WatchRestarts_AreCountedPerResource()
    {
        NpaMetrics metrics = new();
        RestartingSource source = new();
        MetricsPoller poller = new(metrics, new InMemoryPodEnforcer(), source, TimeProvider.System);

        source.Restarts["Pod"] = 2;
        poller.PollOnce();
        source.Restarts["Pod"] = 3;
        source.Restarts["NetworkPolicy"] = 1;
        poller.PollOnce();

        Assert.Equal(3, metrics.WatchRestarts.WithLabels("Pod").Value);
        Assert.Equal(1, metrics.WatchRestarts.WithLabels("NetworkPolicy").Value);
    }
}
