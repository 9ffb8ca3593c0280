using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npa.Ingest.Kubernetes;
using Npa.Resolver.Events;

namespace Npa.Host.Stages;

/// <summary>The API server as the event source: one informer per kind of <paramref name="scope"/>.</summary>
public sealed class KubernetesEventSource(string? kubeconfig, SourceScope scope, ILoggerFactory loggers) : IClusterEventSource
{
    public async Task RunAsync(ChannelWriter<ClusterEvent> events, Action onSynced, CancellationToken cancellationToken)
    {
        await using RunningSource source = KubernetesSource.Start(kubeconfig, scope, events, cancellationToken, loggers);
        _ = source.Ready.ContinueWith(t => onSynced(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        await source.Completion;
    }
}
