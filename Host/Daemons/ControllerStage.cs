using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Host.Channels;
using Npa.Host.Health;
using Npa.Host.Metrics;
using Npa.Host.Stages;
using Npa.Resolver.Events;
using Npa.Resolver.Resolution;

namespace Npa.Host.Daemons;

/// <summary>
/// The controller's pipeline stage: resolves every cluster event with the cluster-wide resolver and
/// keeps the desired state current; one failing object is logged and skipped.
/// </summary>
public sealed class ControllerStage(
    PipelineChannels channels,
    IDesiredPolicyResolver resolver,
    PipelineReadiness readiness,
    NpaMetrics metrics,
    ILogger<ControllerStage> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        readiness.MarkJournalRestored();
        await foreach (ClusterEvent e in channels.Source.Reader.ReadAllAsync(stoppingToken))
        {
            (string kind, string id) = StageScope.Identify(e);
            using IDisposable? scope = StageScope.Begin(logger, kind, id);
            try
            {
                PodPolicyChanges changes = resolver.Apply(e);
                if (!changes.IsEmpty)
                {
                    DaemonLog.Resolved(logger, changes.Changed.Count, changes.Removed.Count, resolver.Desired.Count);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                metrics.StageErrors.WithLabels("controller").Inc();
                StageLog.ItemFailed(logger, ex, nameof(ControllerStage), kind, id);
            }
        }
    }
}
