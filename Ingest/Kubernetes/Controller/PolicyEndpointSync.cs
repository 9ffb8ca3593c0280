using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.Resolver.Model;

namespace Npa.Ingest.Kubernetes.Controller;

/// <summary>
/// Keeps the API server's PolicyEndpoints in step with the resolver, in batches: callers mark
/// policies dirty as events arrive; after a batch period (the EKS controller's
/// <c>--pod-update-batch-period-duration</c>, 1 s) every dirty policy is reconciled, several at
/// once (<c>--max-concurrent-reconciles</c>, 3), each coalesced to one reconcile however many events
/// touched it. A policy whose desired list is null has gone: its PolicyEndpoints are deleted. A
/// failed reconcile stays dirty and is tried again next batch.
/// </summary>
public sealed class PolicyEndpointSync
{
    private readonly PolicyEndpointWriter _writer;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly HashSet<ObjectRef> _dirty = [];
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PolicyEndpointSync(PolicyEndpointWriter writer, ILogger? logger = null, TimeProvider? time = null)
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    public TimeSpan BatchPeriod { get; init; } = TimeSpan.FromSeconds(1);

    public int MaxConcurrentReconciles { get; init; } = 3;

    /// <summary>Reconciles completed (successfully) so far.</summary>
    public int Reconciles { get; private set; }

    /// <summary>Reconciles that failed and were left dirty.</summary>
    public int Failures { get; private set; }

    /// <summary>Batches completed so far.</summary>
    public int Batches { get; private set; }

    public void MarkDirty(ObjectRef policy)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            _dirty.Add(policy);
            signal = _signal;
        }

        signal.TrySetResult();
    }

    public void MarkDirty(IEnumerable<ObjectRef> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        foreach (ObjectRef p in policies)
        {
            MarkDirty(p);
        }
    }

    /// <summary>
    /// Runs batches until cancelled. <paramref name="desiredOf"/> returns the desired PolicyEndpoints
    /// of a policy (e.g. <c>PolicyEndpointBuilder.Build</c>), or null when the policy no longer exists;
    /// it is called from one batch at a time.
    /// </summary>
    public async Task RunAsync(Func<ObjectRef, IReadOnlyList<PolicyEndpointSpec>?> desiredOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desiredOf);
        while (!cancellationToken.IsCancellationRequested)
        {
            Task signal;
            lock (_gate)
            {
                signal = _dirty.Count > 0 ? Task.CompletedTask : _signal.Task;
            }

            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            await Task.Delay(BatchPeriod, _time, cancellationToken).ConfigureAwait(false);
            ObjectRef[] batch;
            lock (_gate)
            {
                batch = [.. _dirty.Order()];
                _dirty.Clear();
                _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            // Desired state is computed up front, in one place, so desiredOf needs no locking of its own.
            (ObjectRef Policy, IReadOnlyList<PolicyEndpointSpec>? Desired)[] work = [.. batch.Select(p => (p, desiredOf(p)))];
            await Parallel.ForEachAsync(
                work,
                new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentReconciles, CancellationToken = cancellationToken },
                async (item, token) =>
                {
                    PolicyReference reference = new(item.Policy.Name, item.Policy.Namespace);
                    try
                    {
                        _ = item.Desired is null
                            ? await _writer.DeleteAllAsync(reference, token).ConfigureAwait(false)
                            : await _writer.ReconcileAsync(reference, item.Desired, token).ConfigureAwait(false);
                        lock (_gate)
                        {
                            Reconciles++;
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        KubernetesLog.ReconcileFailed(_logger, item.Policy.Namespace, item.Policy.Name, e.Message, e);
                        lock (_gate)
                        {
                            Failures++;
                        }

                        MarkDirty(item.Policy);
                    }
                }).ConfigureAwait(false);
            lock (_gate)
            {
                Batches++;
            }
        }
    }
}
