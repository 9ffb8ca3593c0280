using System.Diagnostics;
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
/// The controller's resolve stage. It applies every cluster event to the incremental resolver and
/// tells the sink what PolicyEndpoints exist; then, in batches, builds the PolicyEndpoints of just the
/// policies whose result may have changed and hands them to the publisher.
/// <list type="bullet">
/// <item>Nothing is handed on before the first complete list of every kind the source watches
/// (Namespaces, Pods, Services, NetworkPolicies and the PolicyEndpoints themselves): a pod list still
/// arriving must never make a PolicyEndpoint lose a pod. The first round then covers every policy, and
/// every policy that has PolicyEndpoints but no NetworkPolicy any more; the sink writes only what differs,
/// so a restart on a converged cluster writes nothing.</item>
/// <item>After that, a change marks the policies the resolver reports (<see cref="ResolverState.TakePolicyEndpointChanges"/>),
/// and a PolicyEndpoint changed or deleted by someone else marks its policy. Marked policies are built
/// once per batch period (<c>--pod-update-batch-period-duration</c>, 1 s), however many events touched them.</item>
/// </list>
/// One failing policy is logged and skipped.
/// </summary>
public sealed class ControllerStage(
    PipelineChannels channels,
    ClusterEventResolver resolver,
    IClusterEventSource source,
    IPolicyEndpointSink sink,
    ControllerOptions options,
    PipelineReadiness readiness,
    NpaMetrics metrics,
    ILogger<ControllerStage> logger,
    TimeProvider? time = null) : BackgroundService
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly HashSet<ResourceKind> _unlisted = [.. source.FirstListKinds];
    private readonly HashSet<ObjectRef> _dirty = [];
    private ClusterSnapshotBuilder? _firstLists = new();
    private bool _holding = true;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        readiness.MarkJournalRestored();
        ResolverState state = resolver.State;
        state.TrackPolicyEndpointChanges();
        if (!state.EndpointsOnly || _unlisted.Count == 0)
        {
            _firstLists = null;
        }

        ChannelReaderWithDeadline reader = new(channels.Source.Reader, _time);
        long dueAt = 0;
        bool flushAtOnce = false;
        try
        {
            while (true)
            {
                while (channels.Source.Reader.TryRead(out ClusterEvent? e))
                {
                    Handle(e, state);
                }

                if (_holding && _unlisted.Count == 0)
                {
                    _holding = false;
                    flushAtOnce = true;
                    if (_firstLists is not null && state.EndpointsOnly)
                    {
                        // Everything listed is indexed in one pass, and every policy marked.
                        resolver.Load(_firstLists.Build());
                        state = resolver.State;
                    }

                    _firstLists = null;
                    sink.MarkSeeded();
                    // Every policy, taking what the resolver recorded meanwhile so it is not rebuilt a second time.
                    _dirty.UnionWith(state.TakePolicyEndpointChanges());
                    _dirty.UnionWith(state.Index.Policies.Select(p => p.Ref));
                    IReadOnlyList<PolicyReference> existing = sink.KnownPolicies();
                    _dirty.UnionWith(existing.Select(p => new ObjectRef(p.Namespace, p.Name)));
                    int policies = state.Index.Policies.Count(), pods = state.Index.PodsByRef.Count, published = existing.Count;
                    ControllerLog.FirstListsComplete(logger, policies, pods, published);
                }

                if (!_holding && _dirty.Count > 0)
                {
                    long now = _time.GetTimestamp();
                    if (dueAt == 0)
                    {
                        dueAt = now + (long)(options.PodUpdateBatchPeriod.TotalSeconds * _time.TimestampFrequency);
                    }

                    if (flushAtOnce || now >= dueAt)
                    {
                        Flush(state);
                        flushAtOnce = false;
                        dueAt = 0;
                        continue;
                    }

                    if (!await reader.WaitAsync(TimeSpan.FromSeconds((double)(dueAt - now) / _time.TimestampFrequency), stoppingToken))
                    {
                        break;
                    }

                    continue;
                }

                if (!await channels.Source.Reader.WaitToReadAsync(stoppingToken))
                {
                    break;
                }
            }
        }
        finally
        {
            channels.Publish.Complete();
        }
    }

    private void Handle(ClusterEvent e, ResolverState state)
    {
        (string kind, string id) = StageScope.Identify(e);
        using IDisposable? scope = StageScope.Begin(logger, kind, id);
        try
        {
            switch (e)
            {
                case SourceSynced synced:
                    _unlisted.Remove(synced.SyncedKind);
                    break;
                case PolicyEndpointUpserted upserted:
                    if (sink.Observe(upserted.Endpoint, upserted.ResourceVersion))
                    {
                        _dirty.Add(new ObjectRef(upserted.Endpoint.PolicyRef.Namespace, upserted.Endpoint.PolicyRef.Name));
                    }

                    break;
                case PolicyEndpointDeleted deleted:
                    if (sink.Forget(deleted.Endpoint) is PolicyReference owner)
                    {
                        _dirty.Add(new ObjectRef(owner.Namespace, owner.Name));
                    }

                    break;
                default:
                    if (_holding && _firstLists is not null && state.EndpointsOnly)
                    {
                        // Until every first list is complete nothing is published: gather the objects, resolve once.
                        if (ClusterEventResolver.ToResolverEvent(e) is { } input)
                        {
                            _firstLists.Apply(input);
                        }

                        break;
                    }

                    PodPolicyChanges changes = resolver.Apply(e);
                    if (!changes.IsEmpty)
                    {
                        DaemonLog.Resolved(logger, changes.Changed.Count, changes.Removed.Count, state.PodPolicies.Count);
                    }

                    _dirty.UnionWith(state.TakePolicyEndpointChanges());
                    break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            metrics.StageErrors.WithLabels("controller").Inc();
            StageLog.ItemFailed(logger, ex, nameof(ControllerStage), kind, id);
        }
    }

    /// <summary>Builds the marked policies' PolicyEndpoints (or their deletion) and hands them to the publisher.</summary>
    private void Flush(ResolverState state)
    {
        long started = Stopwatch.GetTimestamp();
        int built = 0, gone = 0;
        foreach (ObjectRef policyRef in _dirty.Order())
        {
            PolicyReference reference = new(policyRef.Name, policyRef.Namespace);
            try
            {
                PolicyEndpointSpec? desired = PolicyEndpointBuilder.BuildWhole(state, policyRef);
                if (desired is null)
                {
                    gone++;
                    channels.Publish.Set(new PolicyEndpointSet(reference, "", null, []));
                    continue;
                }

                built++;
                channels.Publish.Set(new PolicyEndpointSet(reference, desired.OwnerUid, desired, PolicyEndpointBuilder.NodesOf(state, policyRef)));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                metrics.StageErrors.WithLabels("controller").Inc();
                StageLog.ItemFailed(logger, ex, nameof(ControllerStage), "NetworkPolicy", policyRef.ToString());
            }
        }

        _dirty.Clear();
        double elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        ControllerLog.Built(logger, built, gone, elapsedMs);
    }

    /// <summary>Waits for the next event or a deadline, whichever comes first.</summary>
    private sealed class ChannelReaderWithDeadline(System.Threading.Channels.ChannelReader<ClusterEvent> reader, TimeProvider time)
    {
        /// <summary>True when an event may be read or the deadline passed; false when the channel is completed.</summary>
        public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (timeout <= TimeSpan.Zero)
            {
                return true;
            }

            using CancellationTokenSource deadline = new(timeout, time);
            using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            try
            {
                return await reader.WaitToReadAsync(linked.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return true;
            }
        }
    }
}
