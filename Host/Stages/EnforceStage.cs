using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Host.Channels;
using Npa.Host.Metrics;
using Npa.Host.Resilience;
using Polly;

namespace Npa.Host.Stages;

/// <summary>Last stage: programs or removes each pod through the enforcer, and records latency and counts.</summary>
public sealed class EnforceStage(
    PipelineChannels channels,
    IPodEnforcer enforcer,
    NpaMetrics metrics,
    TimeProvider time,
    ILogger<EnforceStage> logger) : BackgroundService
{
    private readonly ResiliencePipeline _retry = PipelineBuilder.Build(PipelineBuilder.EnforcerApply, logger, time);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (PodPolicyChange change in channels.Enforce.Reader.ReadAllAsync(stoppingToken))
        {
            using IDisposable? scope = StageScope.Begin(logger, change.Pod);
            try
            {
                if (change.Desired is { } desired)
                {
                    _retry.Execute(() => enforcer.Apply(desired));
                    int rules = desired.Ingress.Rules.Count + desired.Egress.Rules.Count;
                    StageLog.Programmed(logger, change.Pod, rules);
                }
                else
                {
                    _retry.Execute(() => enforcer.RemovePod(change.Pod));
                    StageLog.Removed(logger, change.Pod);
                }

                channels.Programmed.Writer.TryWrite(true);
                metrics.ProgrammingLatency.Observe(time.GetElapsedTime(change.AcceptedTimestamp).TotalSeconds);
                (int pods, long entries) = enforcer.Programmed;
                metrics.ProgrammedPods.Set(pods);
                metrics.ProgrammedEntries.Set(entries);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                metrics.StageErrors.WithLabels("enforce").Inc();
                StageLog.ItemFailed(logger, ex, nameof(EnforceStage), "Pod", change.Pod.ToString());
            }
        }
    }
}
