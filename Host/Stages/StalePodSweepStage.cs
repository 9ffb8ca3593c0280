using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Host.Health;
using Npa.Resolver.Model;

namespace Npa.Host.Stages;

/// <summary>
/// Once, after the first full pod list has gone through the resolver: removes the programs of pods
/// the enforcer had pinned from before the start that the node no longer has (deleted while the
/// agent was down). See <see cref="IPodEnforcer.RemoveStalePods"/>.
/// </summary>
public sealed class StalePodSweepStage(
    PipelineReadiness readiness,
    IPodEnforcer enforcer,
    ILogger<StalePodSweepStage> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IReadOnlySet<ObjectRef> listed = await readiness.PodsListed.WaitAsync(stoppingToken);
        IReadOnlyList<ObjectRef> removed = enforcer.RemoveStalePods(listed);
        foreach (ObjectRef pod in removed)
        {
            StageLog.StalePodRemoved(logger, pod);
        }

        StageLog.StalePodsRemoved(logger, removed.Count, listed.Count);
    }
}
