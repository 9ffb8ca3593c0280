using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Npa.Host.Daemons;
using Npa.Host.Options;
using Npa.Resolver.Events;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Daemons;

/// <summary>Keeps the PolicyEndpoint last published per policy (deleted policies removed).</summary>
internal sealed class RecordingSink : IPolicyEndpointSink
{
    public ConcurrentDictionary<PolicyReference, PolicyEndpointSpec> Current { get; } = new();

    public Task ReconcileAsync(PolicyEndpointSet set, CancellationToken cancellationToken)
    {
        if (set.Desired is null)
        {
            Current.TryRemove(set.Policy, out _);
        }
        else
        {
            Current[set.Policy] = set.Desired;
        }

        return Task.CompletedTask;
    }
}

public class ControllerHostTests
{
    [Fact]
    public async Task Controller_PublishesEachPolicysEndpoints_AndRemovesThemWithThePolicy()
    {
        ScriptedSource source = new();
        RecordingSink sink = new();
        ControllerOptions options = new() { MetricsBindAddr = "127.0.0.1:0", HealthProbeBindAddr = "127.0.0.1:0", LeaderElect = false, LogLevel = "warn" };
        WebApplication app = ControllerHost.Build(options, source, sink);
        await app.StartAsync().WaitAsync(TestTimeouts.Default);
        try
        {
            await source.SendAsync(AgentSamples.Events());
            PolicyEndpointSpec? expected = PolicyEndpointBuilder.BuildWhole(
                ResolverState.FromSnapshot(new ClusterSnapshot([AgentSamples.Shop], AgentSamples.Pods, [AgentSamples.AllowApiToWeb], [])),
                AgentSamples.AllowApiToWeb.Ref);
            PolicyReference policy = new("allow-api-to-web", "shop");

            Assert.NotNull(expected);
            Assert.NotEmpty(expected.PodSelectorEndpoints);
            Assert.True(await TestAgent.EventuallyAsync(() => sink.Current.TryGetValue(policy, out var got) && got.Equals(expected)),
                "the controller never published the policy's PolicyEndpoints as the builder makes them");

            await source.SendAsync(new PolicyDeleted(AgentSamples.AllowApiToWeb.Ref, "", "9"));

            Assert.True(await TestAgent.EventuallyAsync(() => !sink.Current.ContainsKey(policy)), "the deleted policy's endpoints were not removed");
        }
        finally
        {
            await app.StopAsync().WaitAsync(TestTimeouts.Default);
            await app.DisposeAsync();
        }
    }
}

public class PolicyEndpointPublisherRetryTests
{
    /// <summary>Refuses the first writes (as an API server answering 422 or 500 would), then records.</summary>
    private sealed class FlakySink(int failures) : IPolicyEndpointSink
    {
        private readonly RecordingSink _recorded = new();
        private int _calls;

        public ConcurrentDictionary<PolicyReference, PolicyEndpointSpec> Current => _recorded.Current;

        public int Calls => Volatile.Read(ref _calls);

        public Task ReconcileAsync(PolicyEndpointSet set, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) <= failures
                ? throw new InvalidOperationException("the API server refused the write (test)")
                : _recorded.ReconcileAsync(set, cancellationToken);
    }

    [Fact]
    public async Task AFailedWrite_IsRetriedWithBackoff_UntilThePolicysEndpointsArePublished()
    {
        PolicyEndpointPublisher.RetryBaseDelay = TimeSpan.FromMilliseconds(50);
        ScriptedSource source = new();
        FlakySink sink = new(failures: 3);
        ControllerOptions options = new() { MetricsBindAddr = "127.0.0.1:0", HealthProbeBindAddr = "127.0.0.1:0", LeaderElect = false, LogLevel = "error" };
        WebApplication app = ControllerHost.Build(options, source, sink);
        await app.StartAsync().WaitAsync(TestTimeouts.Default);
        try
        {
            await source.SendAsync(AgentSamples.Events());
            PolicyReference policy = new("allow-api-to-web", "shop");

            Assert.True(await TestAgent.EventuallyAsync(() => sink.Current.ContainsKey(policy)),
                $"the policy was never published after {sink.Calls} attempts: failed writes are not retried");
            Assert.True(sink.Calls >= 4, $"published after {sink.Calls} calls, but the first 3 were refused");
        }
        finally
        {
            await app.StopAsync().WaitAsync(TestTimeouts.Default);
            await app.DisposeAsync();
        }
    }

    [Fact]
    public void Backoff_DoublesFromTheBase_AndStopsAtTheCap()
    {
        TimeSpan base1 = PolicyEndpointPublisher.Backoff(1);
        TimeSpan third = PolicyEndpointPublisher.Backoff(3);
        Assert.InRange(third.TotalMilliseconds, PolicyEndpointPublisher.RetryBaseDelay.TotalMilliseconds * 4, PolicyEndpointPublisher.RetryBaseDelay.TotalMilliseconds * 4 * 1.2 + 1);
        Assert.True(base1 <= third);
        Assert.InRange(PolicyEndpointPublisher.Backoff(1000), PolicyEndpointPublisher.RetryMaxDelay, PolicyEndpointPublisher.RetryMaxDelay * 1.2);
    }
}

public class ConfigMapGateTests
{
    [Fact]
    public async Task ForbiddenConfigMap_IsReportedAndPolledAgain_NeverCrashesTheController()
    {
        await using Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer server = await Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer.StartAsync();
        server.Forbid("api/v1/configmaps", "get");
        using k8s.Kubernetes client = Npa.Ingest.Tests.Kubernetes.FakeApiServer.KubeObjects.Client(server);
        ConfigMapGate gate = new(client, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System);
        using CancellationTokenSource stop = new();
        Task waiting = gate.WaitUntilEnabledAsync(stop.Token);
        Assert.True(await TestAgent.EventuallyAsync(() => server.Requests.Any(r => r.Method == "GET" && r.Path.Contains("/configmaps/", StringComparison.Ordinal))),
            "the gate never asked for the ConfigMap");
        await Task.Delay(200);
        Assert.False(waiting.IsFaulted, $"the gate failed on the 403: {waiting.Exception?.InnerException?.Message}");
        await stop.CancelAsync();
        Exception? ex = await Record.ExceptionAsync(() => waiting).WaitAsync(TestTimeouts.Default);

        // Still waiting (for the next poll) when stopped: the 403 was not thrown out of the gate.
        Assert.IsAssignableFrom<OperationCanceledException>(ex);
        Assert.Contains(server.Requests, r => r.Method == "GET" && r.Path.EndsWith("/namespaces/kube-system/configmaps/amazon-vpc-cni", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("false", false)]
    [InlineData("", false)]
    public void Controller_IsOnOnlyWhenTheConfigMapSaysTrue(string value, bool expected)
    {
        Assert.Equal(expected, ConfigMapGate.IsEnabled(new Dictionary<string, string> { [ConfigMapGate.Key] = value }));
    }

    [Fact]
    public void MissingConfigMapOrKey_MeansOff()
    {
        Assert.False(ConfigMapGate.IsEnabled(null));
        Assert.False(ConfigMapGate.IsEnabled(new Dictionary<string, string> { ["other"] = "true" }));
    }
}
