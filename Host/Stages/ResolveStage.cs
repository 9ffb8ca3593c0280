using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Host.Channels;
using Npa.Host.Health;
using Npa.Host.Metrics;
using Npa.Resolver.Events;
using Npa.Resolver.Resolution;

namespace Npa.Host.Stages;

/// <summary>
/// Second stage: feeds each accepted event to the resolver and passes on what changed. At the live
/// source's first pod list marker it reports the node's pods to <see cref="PipelineReadiness.PodsListed"/>
/// (markers replayed from the journal carry no resource version and do not count).
/// </summary>
public sealed class ResolveStage(
    PipelineChannels channels,
    IDesiredPolicyResolver resolver,
    PipelineReadiness readiness,
    NpaMetrics metrics,
    ILogger<ResolveStage> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (AcceptedEvent accepted in channels.Accepted.Reader.ReadAllAsync(stoppingToken))
            {
                (string kind, string id) = StageScope.Identify(accepted.Event);
                using IDisposable? scope = StageScope.Begin(logger, kind, id);
                PodPolicyChanges changes;
                try
                {
                    changes = resolver.Apply(accepted.Event);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    metrics.StageErrors.WithLabels("resolve").Inc();
                    StageLog.ItemFailed(logger, ex, nameof(ResolveStage), kind, id);
                    continue;
                }

                if (accepted.Event is SourceSynced { SyncedKind: ResourceKind.Pod, ResourceVersion.Length: > 0 } && !readiness.PodsListed.IsCompleted)
                {
                    readiness.MarkPodsListed(resolver.Desired.Keys.ToHashSet());
                }

                if (!changes.IsEmpty)
                {
                    await channels.Desired.Writer.WriteAsync(new DesiredChanges(changes, accepted.AcceptedTimestamp), stoppingToken);
                }
            }
        }
        finally
        {
            channels.Desired.Writer.TryComplete();
        }
    }
}
