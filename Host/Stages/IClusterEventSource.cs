using System.Threading.Channels;
using Npa.Resolver.Events;

namespace Npa.Host.Stages;

/// <summary>Where input events come from: the API server's informers on a node, a test's script elsewhere.</summary>
public interface IClusterEventSource
{
    /// <summary>
    /// Writes events to <paramref name="events"/> until cancelled, calling <paramref name="onSynced"/>
    /// once every kind has been listed in full. An exception ends the host.
    /// </summary>
    Task RunAsync(ChannelWriter<ClusterEvent> events, Action onSynced, CancellationToken cancellationToken);

    /// <summary>Watch restarts so far per resource (relists and reconnects); empty when not running.</summary>
    IReadOnlyDictionary<string, long> WatchRestarts => new Dictionary<string, long>();
}
