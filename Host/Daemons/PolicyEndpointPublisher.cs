using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Host.Channels;
using Npa.Host.Metrics;
using Npa.Ingest.Kubernetes.Controller;

namespace Npa.Host.Daemons;

/// <summary>
/// Writes the controller's PolicyEndpoint sets to the sink, up to <c>--max-concurrent-reconciles</c>
/// policies at once. With leader election only the lease holder writes; a replica that loses the
/// lease stops writing at once and competes again. A failing policy is logged and skipped (the next
/// change to it retries).
/// </summary>
public sealed class PolicyEndpointPublisher(
    PipelineChannels channels,
    IPolicyEndpointSink sink,
    Options.ControllerOptions options,
    NpaMetrics metrics,
    ILogger<PolicyEndpointPublisher> logger,
    ControllerLeadership? leadership = null) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        leadership is null ? PublishAsync(stoppingToken) : leadership.RunAsync(PublishAsync, stoppingToken);

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        ParallelOptions parallel = new() { MaxDegreeOfParallelism = options.MaxConcurrentReconciles, CancellationToken = cancellationToken };
        while (await channels.Publish.Reader.WaitToReadAsync(cancellationToken))
        {
            List<PolicyEndpointSet> batch = [];
            while (channels.Publish.Reader.TryRead(out PolicyEndpointSet? set))
            {
                batch.Add(set);
            }

            await Parallel.ForEachAsync(batch, parallel, async (set, ct) =>
            {
                using IDisposable? scope = Stages.StageScope.Begin(logger, "NetworkPolicy", $"{set.Policy.Namespace}/{set.Policy.Name}");
                try
                {
                    if (set.Deleted)
                    {
                        await sink.DeleteAllAsync(set.Policy, ct);
                    }
                    else
                    {
                        await sink.ReconcileAsync(set.Policy, set.PolicyUid, set.Desired, ct);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    metrics.StageErrors.WithLabels("publish").Inc();
                    Stages.StageLog.ItemFailed(logger, ex, nameof(PolicyEndpointPublisher), "NetworkPolicy", $"{set.Policy.Namespace}/{set.Policy.Name}");
                }
            });
        }
    }
}
