using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Host.Channels;
using Npa.Host.Metrics;
using Npa.Resolver.Resolution;

namespace Npa.Host.Stages;

/// <summary>Second stage: feeds each accepted event to the resolver and passes on what changed.</summary>
public sealed class ResolveStage(
    PipelineChannels channels,
    IDesiredPolicyResolver resolver,
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
