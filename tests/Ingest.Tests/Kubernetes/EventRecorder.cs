using System.Threading.Channels;
using Npa.Resolver.Events;
using Npa.Tests.Shared;

namespace Npa.Ingest.Tests.Kubernetes;

/// <summary>
/// Drains a bounded event channel (small, FullMode.Wait, so producers feel backpressure) and lets
/// a test wait, bounded, for a condition over everything received so far.
/// </summary>
public sealed class EventRecorder : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<ClusterEvent> _events = [];
    private readonly Task _drain;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EventRecorder(int capacity = 8)
    {
        Channel = System.Threading.Channels.Channel.CreateBounded<ClusterEvent>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        _drain = Task.Run(async () =>
        {
            await foreach (ClusterEvent e in Channel.Reader.ReadAllAsync())
            {
                TaskCompletionSource done;
                lock (_gate)
                {
                    _events.Add(e);
                    done = _changed;
                    _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                done.TrySetResult();
            }
        });
    }

    public Channel<ClusterEvent> Channel { get; }

    public IReadOnlyList<ClusterEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public async Task<IReadOnlyList<ClusterEvent>> WaitUntilAsync(Func<IReadOnlyList<ClusterEvent>, bool> condition, string what)
    {
        using CancellationTokenSource timeout = new(TestTimeouts.Default);
        while (true)
        {
            Task next;
            IReadOnlyList<ClusterEvent> snapshot;
            lock (_gate)
            {
                snapshot = [.. _events];
                next = _changed.Task;
            }

            if (condition(snapshot))
            {
                return snapshot;
            }

            try
            {
                await next.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out waiting for {what}; got {snapshot.Count} events: {string.Join(", ", snapshot.TakeLast(10))}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Writer.TryComplete();
        await _drain.WaitAsync(TestTimeouts.Default);
    }
}
