using System.Collections.Concurrent;
using System.Threading.Channels;
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
/// lease stops writing at once and competes again. A policy whose write fails is logged and tried
/// again after a backoff (1 s doubling to 2 min, with jitter) until it succeeds, unless a newer set
/// for the same policy arrived meanwhile: then only the newer one is written.
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

        ParallelOptions parallel = new() { MaxDegreeOfParallelism = options.MaxConcurrentReconciles, CancellationToken = cancellationToken };
        Channel<PolicyEndpointSet> retries = Channel.CreateUnbounded<PolicyEndpointSet>(new() { SingleReader = true });
        Dictionary<PolicyReference, PolicyEndpointSet> latest = [];
        while (true)
        {
            List<PolicyEndpointSet> batch = [];
            while (channels.Publish.Reader.TryRead(out PolicyEndpointSet? set))
            {
                latest[set.Policy] = set;
                batch.Add(set);
            }

            while (retries.Reader.TryRead(out PolicyEndpointSet? again))
            {
                if (ReferenceEquals(latest.GetValueOrDefault(again.Policy), again) && !batch.Contains(again))
                {
                    batch.Add(again); // still the newest wanted state of that policy
                }
            }

            if (batch.Count == 0)
            {
                Task<bool> published = channels.Publish.Reader.WaitToReadAsync(cancellationToken).AsTask();
                Task<bool> retried = retries.Reader.WaitToReadAsync(cancellationToken).AsTask();
                await Task.WhenAny(published, retried);
                if (published.IsCompleted && !await published)
                {
                    return;
                }

                continue;
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

                    _failures.TryRemove(set.Policy, out _);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    metrics.StageErrors.WithLabels("publish").Inc();
                    Stages.StageLog.ItemFailed(logger, ex, nameof(PolicyEndpointPublisher), "NetworkPolicy", $"{set.Policy.Namespace}/{set.Policy.Name}");
                    int attempt = _failures.AddOrUpdate(set.Policy, 1, static (_, n) => n + 1);
                    _ = RetryLaterAsync(set, Backoff(attempt), retries.Writer, cancellationToken);
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

    private async Task RetryLaterAsync(PolicyEndpointSet set, TimeSpan delay, ChannelWriter<PolicyEndpointSet> retries, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
            retries.TryWrite(set);
        }
        catch (OperationCanceledException)
        {
            // stopping or lost the lease: the next leader term starts from the informers' state
        }
    }
}
