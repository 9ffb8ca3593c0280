using System.Threading.Channels;
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
/// For the same reason, changes from the live source are held until its first full list of every kind
/// it watches (<see cref="IClusterEventSource.FirstListKinds"/>) has been seen, or
/// <see cref="IClusterEventSource.FirstListWait"/> has passed, and then handed on as one batch: a pod
/// listed before the PolicyEndpoints naming it never replaces the rules a previous agent pinned with
/// an open state. At the live source's first pod list marker it reports the node's pods to
/// <see cref="PipelineReadiness.PodsListed"/> (markers replayed from the journal carry no resource
/// version and do not count).
/// </summary>
public sealed class ResolveStage(
    PipelineChannels channels,
    IDesiredPolicyResolver resolver,
    PipelineReadiness readiness,
    NpaMetrics metrics,
    ILogger<ResolveStage> logger,
    IClusterEventSource source,
    TimeProvider time) : BackgroundService
{
    /// <summary>Pods touched by a batch that is not handed on yet (the journal's restored set, or the first lists).</summary>
    private readonly HashSet<ObjectRef> _restoring = [];
    private readonly HashSet<ResourceKind> _unlisted = [.. source.FirstListKinds];
    private readonly long _holdStarted = time.GetTimestamp();
    private readonly string _firstListNames = string.Join(", ", source.FirstListKinds.Order());
    private bool _restoreInProgress;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ChannelReader<AcceptedEvent> accepted = channels.Accepted.Reader;
        try
        {
            while (true)
            {
                if (_unlisted.Count > 0)
                {
                    TimeSpan left = source.FirstListWait - time.GetElapsedTime(_holdStarted);
                    bool? more = left > TimeSpan.Zero ? await WaitToReadAsync(accepted, left, stoppingToken) : null;
                    if (more is null)
                    {
                        // A kind was not listed in time (a missing CRD, no permission): go on with what we have.
                        string missing = string.Join(", ", _unlisted.Order());
                        StageLog.FirstListsIncomplete(logger, missing, source.FirstListWait, _restoring.Count);
                        _unlisted.Clear();
                        if (!_restoreInProgress)
                        {
                            await HandOnAsync(Settled(), time.GetTimestamp(), stoppingToken);
                        }

                        continue;
                    }

                    if (more == false)
                    {
                        return;
                    }
                }
                else if (!await accepted.WaitToReadAsync(stoppingToken))
                {
                    return;
                }

                while (accepted.TryRead(out AcceptedEvent? e))
                {
                    await HandleAsync(e, stoppingToken);
                }
            }
        }
        finally
        {
            channels.Desired.Writer.TryComplete();
        }
    }

    private async Task HandleAsync(AcceptedEvent accepted, CancellationToken stoppingToken)
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
                return;
            }
        }

        if (accepted.Restored)
        {
            Hold(changes);
            _restoreInProgress = !accepted.EndsRestore;
            if (_restoreInProgress)
            {
                return;
            }

            changes = Settled(); // the restored set goes on whole; live changes after it still wait for the first lists
        }
        else if (_unlisted.Count > 0)
        {
            Hold(changes);
            if (accepted.Event is SourceSynced { ResourceVersion.Length: > 0 } listed)
            {
                _unlisted.Remove(listed.SyncedKind);
            }

            if (_unlisted.Count > 0)
            {
                MarkPodsListed(accepted.Event);
                return;
            }

            changes = Settled();
            StageLog.FirstListsComplete(logger, _firstListNames, changes.Changed.Count + changes.Removed.Count);
        }

        MarkPodsListed(accepted.Event);
        await HandOnAsync(changes, accepted.AcceptedTimestamp, stoppingToken);
    }

    private void Hold(PodPolicyChanges changes)
    {
        _restoring.UnionWith(changes.Changed.Select(p => p.Pod));
        _restoring.UnionWith(changes.Removed);
    }

    private void MarkPodsListed(ClusterEvent e)
    {
        if (e is SourceSynced { SyncedKind: ResourceKind.Pod, ResourceVersion.Length: > 0 } && !readiness.PodsListed.IsCompleted)
        {
            readiness.MarkPodsListed(resolver.Desired.Keys.ToHashSet());
        }
    }

    private async Task HandOnAsync(PodPolicyChanges changes, long acceptedTimestamp, CancellationToken stoppingToken)
    {
        if (!changes.IsEmpty)
        {
            await channels.Desired.Writer.WriteAsync(new DesiredChanges(changes, acceptedTimestamp), stoppingToken);
        }
    }

    /// <summary>True when an event can be read, false when the channel is complete, null when <paramref name="timeout"/> passed first.</summary>
    private async Task<bool?> WaitToReadAsync(ChannelReader<AcceptedEvent> reader, TimeSpan timeout, CancellationToken stoppingToken)
    {
        using CancellationTokenSource deadline = new(timeout, time);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, deadline.Token);
        try
        {
            return await reader.WaitToReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Where the restored batch left each pod it touched: its desired policy, or removed.</summary>
    private PodPolicyChanges Settled()
    {
        IReadOnlyDictionary<ObjectRef, PodPolicy> desired = resolver.Desired;
        List<ObjectRef> touched = [.. _restoring.Order()];
        _restoring.Clear();
        return new PodPolicyChanges(
            [.. touched.Where(desired.ContainsKey).Select(p => desired[p])],
            [.. touched.Where(p => !desired.ContainsKey(p))],
            touched.Count);
    }
}
