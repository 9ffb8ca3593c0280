using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Host.Channels;
using Npa.Host.Health;
using Npa.Host.Metrics;
using Npa.Resolver.Events;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;

namespace Npa.Host.Stages;

/// <summary>
/// Second stage: feeds each accepted event to the resolver and passes on what changed. The journal's
/// restored set is resolved whole before anything goes on: replayed one object at a time, a pod would
/// briefly be handed on without the policies that come after it (and its pinned rules opened up).
/// At the live source's first pod list marker it reports the node's pods to
/// <see cref="PipelineReadiness.PodsListed"/> (markers replayed from the journal carry no resource
/// version and do not count).
/// </summary>
public sealed class ResolveStage(
    PipelineChannels channels,
    IDesiredPolicyResolver resolver,
    PipelineReadiness readiness,
    NpaMetrics metrics,
    ILogger<ResolveStage> logger) : BackgroundService
{
    private readonly HashSet<ObjectRef> restoring = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (AcceptedEvent accepted in channels.Accepted.Reader.ReadAllAsync(stoppingToken))
            {
                (string kind, string id) = StageScope.Identify(accepted.Event);
                using IDisposable? scope = StageScope.Begin(logger, kind, id);
                PodPolicyChanges changes = PodPolicyChanges.None;
                try
                {
                    changes = resolver.Apply(accepted.Event);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    metrics.StageErrors.WithLabels("resolve").Inc();
                    StageLog.ItemFailed(logger, ex, nameof(ResolveStage), kind, id);
                    if (!accepted.EndsRestore)
                    {
                        continue;
                    }
                }

                if (accepted.Restored)
                {
                    restoring.UnionWith(changes.Changed.Select(p => p.Pod));
                    restoring.UnionWith(changes.Removed);
                    if (!accepted.EndsRestore)
                    {
                        continue;
                    }

                    changes = Settled();
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

    /// <summary>Where the restored batch left each pod it touched: its desired policy, or removed.</summary>
    private PodPolicyChanges Settled()
    {
        IReadOnlyDictionary<ObjectRef, PodPolicy> desired = resolver.Desired;
        List<ObjectRef> touched = [.. restoring.Order()];
        restoring.Clear();
        return new PodPolicyChanges(
            [.. touched.Where(desired.ContainsKey).Select(p => desired[p])],
            [.. touched.Where(p => !desired.ContainsKey(p))],
            touched.Count);
    }
}
