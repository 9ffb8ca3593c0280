using Microsoft.Extensions.Logging.Abstractions;
using Npa.Host.Channels;
using Npa.Host.Metrics;
using Npa.Host.Stages;
using Npa.Host.Tests.Daemons;
using Npa.Resolver.Events;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Stages;

public class StageIsolationTests
{
    /// <summary>Fails on one pod, resolves the rest.</summary>
    private sealed class PoisonedResolver(string poisonPod) : IDesiredPolicyResolver
    {
        private readonly ClusterEventResolver _inner = new();

        public IReadOnlyDictionary<ObjectRef, PodPolicy> Desired => _inner.Desired;

        public PodPolicyChanges Apply(ClusterEvent e) =>
            e is PodUpserted p && p.Pod.Name == poisonPod ? throw new InvalidOperationException("poisoned") : _inner.Apply(e);
    }

    [Fact]
    public async Task ResolveStage_SkipsTheObjectItFailsOn_AndGoesOn()
    {
        PipelineChannels channels = new();
        NpaMetrics metrics = new();
        ResolveStage stage = new(channels, new PoisonedResolver("web-2"), new Npa.Host.Health.PipelineReadiness(), metrics, NullLogger<ResolveStage>.Instance, new Daemons.ScriptedSource(), TimeProvider.System);
        await stage.StartAsync(CancellationToken.None);

        foreach (ClusterEvent e in AgentSamples.Events())
        {
            await channels.Accepted.Writer.WriteAsync(new AcceptedEvent(e, 0)).AsTask().WaitAsync(TestTimeouts.Default);
        }

        channels.Accepted.Writer.Complete();
        HashSet<ObjectRef> changed = [];
        await foreach (DesiredChanges d in channels.Desired.Reader.ReadAllAsync().WithCancellation(new CancellationTokenSource(TestTimeouts.Default).Token))
        {
            changed.UnionWith(d.Changes.Changed.Select(p => p.Pod));
        }

        await stage.StopAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.Contains(new ObjectRef("shop", "web-1"), changed);
        Assert.Contains(new ObjectRef("shop", "db-1"), changed);
        Assert.DoesNotContain(new ObjectRef("shop", "web-2"), changed);
        Assert.Equal(1, metrics.StageErrors.WithLabels("resolve").Value);
    }

    [Fact]
    public async Task DiffStage_PassesOnOnlyRealChanges()
    {
        PipelineChannels channels = new();
        DiffStage stage = new(channels, new NpaMetrics(), NullLogger<DiffStage>.Instance);
        await stage.StartAsync(CancellationToken.None);
        PodPolicy open = new(new ObjectRef("shop", "web-1"), [], DirectionPolicy.Open, DirectionPolicy.Open);

        await channels.Desired.Writer.WriteAsync(new DesiredChanges(new PodPolicyChanges([open], [], 1), 0)).AsTask().WaitAsync(TestTimeouts.Default);
        await channels.Desired.Writer.WriteAsync(new DesiredChanges(new PodPolicyChanges([open with { }], [], 1), 0)).AsTask().WaitAsync(TestTimeouts.Default);
        await channels.Desired.Writer.WriteAsync(new DesiredChanges(new PodPolicyChanges([], [open.Pod, new ObjectRef("shop", "never-seen")], 1), 0))
            .AsTask().WaitAsync(TestTimeouts.Default);
        channels.Desired.Writer.Complete();

        List<PodPolicyChange> out_ = [];
        await foreach (PodPolicyChange c in channels.Enforce.Reader.ReadAllAsync().WithCancellation(new CancellationTokenSource(TestTimeouts.Default).Token))
        {
            out_.Add(c);
        }

        await stage.StopAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.Equal(2, out_.Count);
        Assert.False(out_[0].IsRemoval);
        Assert.True(out_[1].IsRemoval);
    }
}
