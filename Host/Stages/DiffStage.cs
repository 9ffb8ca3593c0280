using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Host.Channels;
using Npa.Host.Metrics;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Host.Stages;

/// <summary>
/// Third stage: compares each pod's desired policy with what was last handed to the enforcer and
/// passes on only real changes, one item per pod.
/// </summary>
public sealed class DiffStage(
    PipelineChannels channels,
    NpaMetrics metrics,
    ILogger<DiffStage> logger) : BackgroundService
{
    private readonly Dictionary<ObjectRef, PodPolicy> _handedOff = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (DesiredChanges desired in channels.Desired.Reader.ReadAllAsync(stoppingToken))
            {
                foreach (PodPolicy policy in desired.Changes.Changed)
                {
                    if (Diff(policy.Pod, policy) is { } change)
                    {
                        await channels.Enforce.Writer.WriteAsync(change with { AcceptedTimestamp = desired.AcceptedTimestamp }, stoppingToken);
                    }
                }

                foreach (ObjectRef pod in desired.Changes.Removed)
                {
                    if (Diff(pod, null) is { } change)
                    {
                        await channels.Enforce.Writer.WriteAsync(change with { AcceptedTimestamp = desired.AcceptedTimestamp }, stoppingToken);
                    }
                }
            }
        }
        finally
        {
            channels.Enforce.Writer.TryComplete();
        }
    }

    private PodPolicyChange? Diff(ObjectRef pod, PodPolicy? desired)
    {
        using IDisposable? scope = StageScope.Begin(logger, pod);
        try
        {
            if (desired is null)
            {
                return _handedOff.Remove(pod) ? new PodPolicyChange(pod, null, 0) : null;
            }

            if (_handedOff.TryGetValue(pod, out PodPolicy? previous) && previous.Equals(desired))
            {
                return null;
            }

            _handedOff[pod] = desired;
            return new PodPolicyChange(pod, desired, 0);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            metrics.StageErrors.WithLabels("diff").Inc();
            StageLog.ItemFailed(logger, ex, nameof(DiffStage), "Pod", pod.ToString());
            return null;
        }
    }
}
