using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Npa.Host.Daemons;
using Npa.Host.Options;
using Npa.Resolver.Events;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using PolicyDeleted = Npa.Resolver.Events.PolicyDeleted;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Daemons;

public class ControllerHostTests
{
    private sealed class RecordingSink : IPolicyEndpointSink
    {
        public ConcurrentDictionary<PolicyReference, IReadOnlyList<PolicyEndpointSpec>> Current { get; } = new();

        public Task ReconcileAsync(PolicyReference policy, string policyUid, IReadOnlyList<PolicyEndpointSpec> desired, CancellationToken cancellationToken)
        {
            Current[policy] = desired;
            return Task.CompletedTask;
        }

        public Task DeleteAllAsync(PolicyReference policy, CancellationToken cancellationToken)
        {
            Current.TryRemove(policy, out _);
            return Task.CompletedTask;
        }
    }

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
            IReadOnlyList<PolicyEndpointSpec> expected = PolicyEndpointBuilder.Build(
                ResolverState.FromSnapshot(new ClusterSnapshot([AgentSamples.Shop], AgentSamples.Pods, [AgentSamples.AllowApiToWeb], [])),
                AgentSamples.AllowApiToWeb.Ref);
            PolicyReference policy = new("allow-api-to-web", "shop");

            Assert.NotEmpty(expected);
            Assert.True(await TestAgent.EventuallyAsync(() => sink.Current.TryGetValue(policy, out var got) && got.SequenceEqual(expected)),
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
