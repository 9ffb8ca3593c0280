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

    /// <summary>
    /// Kinds whose first full list the node waits for (at most <see cref="FirstListWait"/>) before it
    /// hands any change on to the enforcer: otherwise a pod listed before the policies that select it
    /// would be programmed open for a moment, over rules a previous agent pinned. Empty: no wait.
    /// </summary>
    IReadOnlySet<ResourceKind> FirstListKinds => new HashSet<ResourceKind>();

    /// <summary>The longest the node waits for <see cref="FirstListKinds"/> (a kind it may not list must not stall it).</summary>
    TimeSpan FirstListWait => TimeSpan.FromSeconds(30);

    /// <summary>Watch restarts so far per resource (relists and reconnects); empty when not running.</summary>
    IReadOnlyDictionary<string, long> WatchRestarts => new Dictionary<string, long>();
}
