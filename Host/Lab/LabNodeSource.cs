using System.Threading.Channels;
using Npa.Host.Channels;
using Npa.Host.Stages;
using Npa.Resolver.Events;

namespace Npa.Host.Lab;

/// <summary>
/// The agent's event source as the lab's node sees it: every event of <paramref name="inner"/> (the
/// manifest folder or the API server) passes through <paramref name="place"/>, which builds or removes
/// the pod's namespace and veth (what the CNI plugin does on a node) before the event reaches the
/// pipeline. After each burst <paramref name="caughtUp"/> gets the number of events handed on so far.
/// </summary>
internal sealed class LabNodeSource(
    IClusterEventSource inner,
    Func<ClusterEvent, CancellationToken, ValueTask<ClusterEvent>> place,
    Action<long> caughtUp) : IClusterEventSource
{
    public IReadOnlySet<ResourceKind> FirstListKinds => inner.FirstListKinds;

    public TimeSpan FirstListWait => inner.FirstListWait;

    public IReadOnlyDictionary<string, long> WatchRestarts => inner.WatchRestarts;

    public async Task RunAsync(ChannelWriter<ClusterEvent> events, Action onSynced, CancellationToken cancellationToken)
    {
        Channel<ClusterEvent> observed = Channel.CreateBounded<ClusterEvent>(
            new BoundedChannelOptions(PipelineChannels.SourceCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        Task source = RunInnerAsync(observed.Writer, onSynced, cancellationToken);
        long handedOn = 0;
        while (await observed.Reader.WaitToReadAsync(cancellationToken))
        {
            while (observed.Reader.TryRead(out ClusterEvent? e))
            {
                await events.WriteAsync(await place(e, cancellationToken), cancellationToken);
                handedOn++;
            }

            caughtUp(handedOn);
        }

        await source; // its failure ends the host, as the agent's source's does
    }

    private async Task RunInnerAsync(ChannelWriter<ClusterEvent> writer, Action onSynced, CancellationToken cancellationToken)
    {
        try
        {
            await inner.RunAsync(writer, onSynced, cancellationToken);
        }
        finally
        {
            writer.TryComplete();
        }
    }
}
