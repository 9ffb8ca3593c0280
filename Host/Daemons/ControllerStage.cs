using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Host.Channels;
using Npa.Host.Health;
using Npa.Host.Metrics;
using Npa.Host.Options;
using Npa.Host.Stages;
using Npa.Resolver.Events;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;

namespace Npa.Host.Daemons;

/// <summary>
/// The controller's resolve stage: applies every cluster event to the cluster-wide resolver and,
/// whenever its input is drained (so a burst of events coalesces into one round), builds each
/// policy's PolicyEndpoints and passes on those that differ from what it last published, plus the
/// policies that are gone. One failing object is logged and skipped.
/// </summary>
public sealed class ControllerStage(
    PipelineChannels channels,
    ClusterEventResolver resolver,
    ControllerOptions options,
    PipelineReadiness readiness,
    NpaMetrics metrics,
    ILogger<ControllerStage> logger) : BackgroundService
{
    private readonly Dictionary<ObjectRef, IReadOnlyList<PolicyEndpointSpec>> published = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        readiness.MarkJournalRestored();
        bool dirty = false;
        try
        {
            await foreach (ClusterEvent e in channels.Source.Reader.ReadAllAsync(stoppingToken))
            {
                (string kind, string id) = StageScope.Identify(e);
                using (StageScope.Begin(logger, kind, id))
                {
                    try
                    {
                        PodPolicyChanges changes = resolver.Apply(e);
                        dirty |= e is not SourceSynced and not ObjectRejected;
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

                if (dirty && !channels.Source.Reader.TryPeek(out _))
                {
                    dirty = false;
                    foreach (PolicyEndpointSet set in Changed())
                    {
                        await channels.Publish.Writer.WriteAsync(set, stoppingToken);
                    }
                }
            }
        }
        finally
        {
            channels.Publish.Writer.TryComplete();
        }
    }

    /// <summary>Policies whose PolicyEndpoints differ from the last published ones, and policies now gone.</summary>
    internal IEnumerable<PolicyEndpointSet> Changed()
    {
        ResolverState state = resolver.State;
        HashSet<ObjectRef> current = [];
        List<PolicyEndpointSet> sets = [];
        foreach (NetworkPolicySpec policy in state.Index.Policies.ToList())
        {
            current.Add(policy.Ref);
            IReadOnlyList<PolicyEndpointSpec> desired;
            try
            {
                desired = PolicyEndpointBuilder.Build(state, policy.Ref, options.EndpointChunkSize);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                metrics.StageErrors.WithLabels("controller").Inc();
                StageLog.ItemFailed(logger, ex, nameof(ControllerStage), "NetworkPolicy", policy.Ref.ToString());
                continue;
            }

            if (published.TryGetValue(policy.Ref, out IReadOnlyList<PolicyEndpointSpec>? before) && before.SequenceEqual(desired))
            {
                continue;
            }

            published[policy.Ref] = desired;
            sets.Add(new PolicyEndpointSet(new PolicyReference(policy.Name, policy.Namespace), policy.Uid, desired, Deleted: false));
        }

        foreach (ObjectRef gone in published.Keys.Where(k => !current.Contains(k)).ToList())
        {
            published.Remove(gone);
            sets.Add(new PolicyEndpointSet(new PolicyReference(gone.Name, gone.Namespace), "", [], Deleted: true));
        }

        return sets;
    }
}
