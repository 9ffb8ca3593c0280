using Microsoft.Extensions.Logging.Abstractions;
using Npa.Host.Channels;
using Npa.Host.Health;
using Npa.Host.Metrics;
using Npa.Host.Stages;
using Npa.Host.Tests.Daemons;
using Npa.Resolver.Events;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Stages;

public class RestoreBatchTests
{
    /// <summary>
    /// The journal replays pods before the policy that isolates them; resolved one by one, web pods would
    /// first be handed on unisolated. The restored set goes on once, already in its final state.
    /// </summary>
    [Fact]
    public async Task ResolveStage_HandsOnTheRestoredSetOnce_InItsFinalState()
    {
        ClusterEvent[] events = AgentSamples.Events();
        Assert.IsType<PolicyUpserted>(events[^1]); // the policy comes after the pods it selects

        PipelineChannels channels = new();
        ClusterEventResolver resolver = new("node-a");
        ResolveStage stage = new(channels, resolver, new PipelineReadiness(), new NpaMetrics(), NullLogger<ResolveStage>.Instance, new Daemons.ScriptedSource(), TimeProvider.System);
        await stage.StartAsync(CancellationToken.None);
        for (int i = 0; i < events.Length; i++)
        {
            AcceptedEvent accepted = new(events[i], 0) { Restored = true, EndsRestore = i == events.Length - 1 };
            await channels.Accepted.Writer.WriteAsync(accepted).AsTask().WaitAsync(TestTimeouts.Default);
        }

        channels.Accepted.Writer.Complete();
        List<DesiredChanges> handedOn = [];
        await foreach (DesiredChanges d in channels.Desired.Reader.ReadAllAsync().WithCancellation(new CancellationTokenSource(TestTimeouts.Default).Token))
        {
            handedOn.Add(d);
        }

        await stage.StopAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
        DesiredChanges batch = Assert.Single(handedOn);
        Dictionary<ObjectRef, PodPolicy> expected = AgentSamples.ExpectedOnNodeA(AgentSamples.Pods);
        Assert.True(AgentSamples.SameSet(batch.Changes.Changed.ToDictionary(p => p.Pod), resolver.Desired));
        Assert.Equal(expected.Keys.Order(), batch.Changes.Changed.Select(p => p.Pod).Order());
        Assert.Empty(batch.Changes.Removed);
    }
}
