using Npa.Enforcer;
using Npa.Host.Metrics;
using Npa.Host.Options;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Host.Stages;

/// <summary>
/// An enforcer that programs nothing and remembers what it was told: <c>--dry-run</c> on a machine
/// without eBPF, and the tests' view of what the pipeline asked for. Thread-safe.
/// </summary>
public sealed class InMemoryPodEnforcer : IPodEnforcer
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectRef, PodPolicy> _programmed = new();
    private readonly Dictionary<ObjectRef, (IReadOnlyList<string> Veths, EnforcingMode Mode)> _ensured = new();
    private readonly HashSet<ObjectRef> _adopted = [];
    private readonly List<IReadOnlySet<ObjectRef>> _staleSweeps = [];
    private readonly Queue<PodPolicy> _applied = new();

    /// <summary>How many of the latest applies <see cref="Applied"/> keeps.</summary>
    public const int AppliedKept = 10_000;

    public (int Pods, long Entries) Programmed
    {
        get
        {
            lock (_gate)
            {
                return (_programmed.Count, _programmed.Values.Sum(p => (long)(p.Ingress.Rules.Count + p.Egress.Rules.Count)));
            }
        }
    }

    /// <summary>Verdict counters a test sets; null by default.</summary>
    public VerdictCounts? Verdicts { get; set; }

    /// <summary>The latest applies in the order they came (at most <see cref="AppliedKept"/>).</summary>
    public IReadOnlyList<PodPolicy> Applied
    {
        get
        {
            lock (_gate)
            {
                return [.. _applied];
            }
        }
    }

    /// <summary>A copy of every pod's programmed policy.</summary>
    public IReadOnlyDictionary<ObjectRef, PodPolicy> Policies
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<ObjectRef, PodPolicy>(_programmed);
            }
        }
    }

    /// <summary>Pods the CNI handshake prepared, with their veths and mode.</summary>
    public IReadOnlyDictionary<ObjectRef, (IReadOnlyList<string> Veths, EnforcingMode Mode)> Ensured
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<ObjectRef, (IReadOnlyList<string>, EnforcingMode)>(_ensured);
            }
        }
    }

    /// <summary>The <c>listed</c> sets <see cref="RemoveStalePods"/> was called with, in order.</summary>
    public IReadOnlyList<IReadOnlySet<ObjectRef>> StaleSweeps
    {
        get
        {
            lock (_gate)
            {
                return _staleSweeps.ToList();
            }
        }
    }

    /// <summary>Holds <paramref name="policy"/> as if it had been programmed before the agent started (pinned state).</summary>
    public void Adopt(PodPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_gate)
        {
            _programmed[policy.Pod] = policy;
            _adopted.Add(policy.Pod);
        }
    }

    public IReadOnlyList<ObjectRef> RemoveStalePods(IReadOnlySet<ObjectRef> listed)
    {
        ArgumentNullException.ThrowIfNull(listed);
        lock (_gate)
        {
            _staleSweeps.Add(listed);
            List<ObjectRef> gone = _adopted.Where(p => !listed.Contains(p)).ToList();
            foreach (ObjectRef pod in gone)
            {
                _programmed.Remove(pod);
                _ensured.Remove(pod);
                _adopted.Remove(pod);
            }

            return gone;
        }
    }

    public void EnsurePod(ObjectRef pod, IReadOnlyList<string> hostVeths, EnforcingMode mode)
    {
        lock (_gate)
        {
            _ensured[pod] = (hostVeths, mode);
        }
    }

    public void Apply(PodPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_gate)
        {
            _programmed[policy.Pod] = policy;
            _applied.Enqueue(policy);
            if (_applied.Count > AppliedKept)
            {
                _applied.Dequeue();
            }
        }
    }

    public bool RemovePod(ObjectRef pod)
    {
        lock (_gate)
        {
            bool known = _programmed.Remove(pod);
            return _ensured.Remove(pod) || known;
        }
    }
}
