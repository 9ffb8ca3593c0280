using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npa.Ingest.Kubernetes;
using Npa.Resolver.Events;

namespace Npa.Host.Stages;

/// <summary>The API server as the event source: one informer per kind of <paramref name="scope"/>.</summary>
public sealed class KubernetesEventSource(string? kubeconfig, SourceScope scope, ILoggerFactory loggers, k8s.Kubernetes? client = null) : IClusterEventSource
{
    private RunningSource? running;

    /// <summary>Per kind: watches started beyond the first (each follows a lost watch or a 410 relist).</summary>
    public IReadOnlyDictionary<string, long> WatchRestarts =>
        running?.Informers
            .GroupBy(i => i.Resource.Kind.ToString()) // an agent watches PolicyEndpoints in two slices
            .ToDictionary(g => g.Key, g => g.Sum(i => (long)Math.Max(0, i.Counters.Watches - 1))) ??
        new Dictionary<string, long>();

    /// <summary>Every kind the informers watch.</summary>
    public IReadOnlySet<ResourceKind> FirstListKinds => scope.Kinds;

    public async Task RunAsync(ChannelWriter<ClusterEvent> events, Action onSynced, CancellationToken cancellationToken)
    {
        await using RunningSource source = client is null
            ? KubernetesSource.Start(kubeconfig, scope, events, cancellationToken, loggers)
            : KubernetesSource.Start(client, scope, events, cancellationToken, loggers);
        running = source;
        _ = source.Ready.ContinueWith(t => onSynced(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        await source.Completion;
    }
}
