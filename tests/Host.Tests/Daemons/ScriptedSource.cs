using System.Threading.Channels;
using Npa.Host.Stages;
using Npa.Resolver.Events;

namespace Npa.Host.Tests.Daemons;

/// <summary>An event source a test drives: it forwards what the test writes and reports "synced" when told.</summary>
internal sealed class ScriptedSource(IReadOnlySet<ResourceKind>? firstListKinds = null, TimeSpan? firstListWait = null) : IClusterEventSource
{
    /// <summary>None unless the test names kinds: then the agent holds changes until their SourceSynced markers.</summary>
    public IReadOnlySet<ResourceKind> FirstListKinds { get; } = firstListKinds ?? new HashSet<ResourceKind>();

    public TimeSpan FirstListWait { get; } = firstListWait ?? TimeSpan.FromSeconds(30);

    private readonly Channel<ClusterEvent> _script = Channel.CreateUnbounded<ClusterEvent>();
    private readonly TaskCompletionSource<Action> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask SendAsync(params ClusterEvent[] events)
    {
        foreach (ClusterEvent e in events)
        {
            _script.Writer.TryWrite(e);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Reports the first full list as done (after everything sent so far).</summary>
    public async Task MarkSyncedAsync()
    {
        Action onSynced = await _started.Task.WaitAsync(Npa.Tests.Shared.TestTimeouts.Default);
        _script.Writer.TryWrite(new SyncMarker(onSynced));
    }

    public async Task RunAsync(ChannelWriter<ClusterEvent> events, Action onSynced, CancellationToken cancellationToken)
    {
        _started.TrySetResult(onSynced);
        await foreach (ClusterEvent e in _script.Reader.ReadAllAsync(cancellationToken))
        {
            if (e is SyncMarker marker)
            {
                marker.OnSynced();
                continue;
            }

            await events.WriteAsync(e, cancellationToken);
        }
    }

    private sealed record SyncMarker(Action OnSynced) : ClusterEvent("")
    {
        public override ResourceKind Kind => ResourceKind.Unknown;
    }
}

/// <summary>An API server that never answers: the source neither sends nor syncs.</summary>
internal sealed class UnreachableSource : IClusterEventSource
{
    public Task RunAsync(ChannelWriter<ClusterEvent> events, Action onSynced, CancellationToken cancellationToken) =>
        Task.Delay(Timeout.Infinite, cancellationToken);
}
