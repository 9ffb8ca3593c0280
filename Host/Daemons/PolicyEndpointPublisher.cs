using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Host.Channels;
using Npa.Host.Metrics;
using Npa.Ingest.Kubernetes.Controller;
using Npa.Resolver.Model;

namespace Npa.Host.Daemons;

/// <summary>
/// Writes the controller's PolicyEndpoint sets to the sink, up to <c>--max-concurrent-reconciles</c>
/// policies at once. With leader election only the lease holder writes; a replica that loses the
/// lease stops writing at once and competes again. Each leadership term starts by checking every
/// policy's newest set against what exists (the sink writes nothing where they agree), so a leader
/// change on a converged cluster makes no write. A policy whose write fails is logged and tried again
/// after a backoff (1 s doubling to 2 min, with jitter) until it succeeds, unless a newer set for the
/// same policy arrived meanwhile: then only the newer one is written.
/// </summary>
public sealed class PolicyEndpointPublisher(
    PipelineChannels channels,
    IPolicyEndpointSink sink,
    Options.ControllerOptions options,
    NpaMetrics metrics,
    ILogger<PolicyEndpointPublisher> logger,
    ControllerLeadership? leadership = null,
    ConfigMapGate? gate = null,
    TimeProvider? time = null) : BackgroundService
{
    public static TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan RetryMaxDelay = TimeSpan.FromMinutes(2);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<PolicyReference, int> _failures = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        leadership is null ? PublishAsync(stoppingToken) : leadership.RunAsync(PublishAsync, stoppingToken);

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        if (gate is not null)
        {
            await gate.WaitUntilEnabledAsync(cancellationToken);
        }

        PolicyEndpointQueue queue = channels.Publish;
        queue.MarkAllPending();
        if (leadership is not null)
        {
            ControllerLog.TermStarted(logger, queue.PendingCount);
        }

        ParallelOptions parallel = new() { MaxDegreeOfParallelism = options.MaxConcurrentReconciles, CancellationToken = cancellationToken };
        while (await queue.WaitAsync(cancellationToken))
        {
            IReadOnlyList<PolicyEndpointSet> batch = queue.TakePending();
            await Parallel.ForEachAsync(batch, parallel, async (set, ct) =>
            {
                string id = $"{set.Policy.Namespace}/{set.Policy.Name}";
                using IDisposable? scope = Stages.StageScope.Begin(logger, "NetworkPolicy", id);
                try
                {
                    await sink.ReconcileAsync(set, ct);
                    _failures.TryRemove(set.Policy, out _);
                }
                catch (OperationCanceledException)
                {
                    // Stopping or lost the lease: the next term checks every policy again.
                    throw;
                }
                catch (Exception ex)
                {
                    metrics.StageErrors.WithLabels("publish").Inc();
                    Stages.StageLog.ItemFailed(logger, ex, nameof(PolicyEndpointPublisher), "NetworkPolicy", id);
                    int attempt = _failures.AddOrUpdate(set.Policy, 1, static (_, n) => n + 1);
                    _ = RetryLaterAsync(set, Backoff(attempt), cancellationToken);
                }
            });
        }
    }

    /// <summary>Exponential backoff from <see cref="RetryBaseDelay"/>, capped at <see cref="RetryMaxDelay"/>, with up to 20% jitter.</summary>
    internal static TimeSpan Backoff(int attempt)
    {
        double seconds = Math.Min(RetryMaxDelay.TotalSeconds, RetryBaseDelay.TotalSeconds * Math.Pow(2, Math.Min(attempt - 1, 20)));
        return TimeSpan.FromSeconds(seconds * (1 + (0.2 * Random.Shared.NextDouble())));
    }

    private async Task RetryLaterAsync(PolicyEndpointSet set, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
            channels.Publish.Retry(set);
        }
        catch (OperationCanceledException)
        {
            // stopping or lost the lease: the next leader term checks every policy again
        }
    }
}
