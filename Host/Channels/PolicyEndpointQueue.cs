using Npa.Host.Daemons;
using Npa.Resolver.Model;

namespace Npa.Host.Channels;

/// <summary>
/// The hand-off from the controller's resolve stage to its publisher: one pending entry per policy, the
/// newest replacing an older one not yet written (so it holds at most one entry per policy, and a burst
/// of changes to one policy becomes one write). It also keeps the newest set of every policy, so a new
/// leadership term can re-check them all against what exists (<see cref="MarkAllPending"/>).
/// </summary>
public sealed class PolicyEndpointQueue
{
    private readonly Lock _gate = new();
    private readonly Dictionary<PolicyReference, PolicyEndpointSet> _latest = [];
    private readonly Dictionary<PolicyReference, PolicyEndpointSet> _pending = [];
    private TaskCompletionSource<bool> _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _completed;

    /// <summary>Sets waiting to be written.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>The newest wanted state of a policy, pending until written.</summary>
    public void Set(PolicyEndpointSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        lock (_gate)
        {
            _latest[set.Policy] = set;
            _pending[set.Policy] = set;
            _signal.TrySetResult(true);
        }
    }

    /// <summary>A set whose write failed, pending again unless a newer one for its policy arrived meanwhile.</summary>
    public void Retry(PolicyEndpointSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        lock (_gate)
        {
            if (_latest.TryGetValue(set.Policy, out PolicyEndpointSet? newest) && ReferenceEquals(newest, set) && _pending.TryAdd(set.Policy, set))
            {
                _signal.TrySetResult(true);
            }
        }
    }

    /// <summary>Every policy's newest set becomes pending again (a new leadership term checks them all; unchanged ones cost no write).</summary>
    public void MarkAllPending()
    {
        lock (_gate)
        {
            foreach ((PolicyReference policy, PolicyEndpointSet set) in _latest)
            {
                _pending[policy] = set;
            }

            if (_pending.Count > 0)
            {
                _signal.TrySetResult(true);
            }
        }
    }

    /// <summary>Takes every pending set, in policy order.</summary>
    public IReadOnlyList<PolicyEndpointSet> TakePending()
    {
        lock (_gate)
        {
            PolicyEndpointSet[] taken = [.. _pending.Values.OrderBy(s => s.Policy.Namespace, StringComparer.Ordinal).ThenBy(s => s.Policy.Name, StringComparer.Ordinal)];
            _pending.Clear();
            if (!_completed)
            {
                _signal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return taken;
        }
    }

    /// <summary>Waits until something is pending (true) or the queue is completed with nothing pending (false).</summary>
    public async Task<bool> WaitAsync(CancellationToken cancellationToken)
    {
        Task<bool> signal;
        lock (_gate)
        {
            if (_pending.Count > 0)
            {
                return true;
            }

            if (_completed)
            {
                return false;
            }

            signal = _signal.Task;
        }

        await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            return _pending.Count > 0 || !_completed;
        }
    }

    /// <summary>No more sets will come (the resolve stage ended).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            _signal.TrySetResult(false);
        }
    }
}
