using Microsoft.Extensions.Hosting;
using Npa.Host.Stages;

namespace Npa.Host.Metrics;

/// <summary>
/// Copies counters kept elsewhere (the kernel's per-CPU verdict counters, the informers' watch
/// restarts, the journal size) into Prometheus every <see cref="Interval"/>. Counters only grow, so
/// each poll adds the difference since the last one; a reset (new maps) starts from the new value.
/// </summary>
public sealed class MetricsPoller(NpaMetrics metrics, IPodEnforcer enforcer, IClusterEventSource source, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private VerdictCounts _last;
    private readonly Dictionary<string, long> _lastRestarts = new(StringComparer.Ordinal);

    /// <summary>One poll; the loop calls it, tests call it directly.</summary>
    public void PollOnce()
    {
        if (enforcer.Verdicts is { } now)
        {
            metrics.AcceptCount.WithLabels("ingress").Inc(Delta(now.IngressAllow, _last.IngressAllow));
            metrics.AcceptCount.WithLabels("egress").Inc(Delta(now.EgressAllow, _last.EgressAllow));
            metrics.DropCount.WithLabels("ingress").Inc(Delta(now.IngressDeny, _last.IngressDeny));
            metrics.DropCount.WithLabels("egress").Inc(Delta(now.EgressDeny, _last.EgressDeny));
            _last = now;
        }

        foreach ((string resource, long restarts) in source.WatchRestarts)
        {
            long previous = _lastRestarts.GetValueOrDefault(resource);
            metrics.WatchRestarts.WithLabels(resource).Inc(Math.Max(0, restarts - previous));
            _lastRestarts[resource] = restarts;
        }

        (int pods, long entries) = enforcer.Programmed;
        metrics.ProgrammedPods.Set(pods);
        metrics.ProgrammedEntries.Set(entries);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using PeriodicTimer timer = new(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            PollOnce();
        }
    }

    private static double Delta(ulong now, ulong before) => now >= before ? now - before : now;
}
