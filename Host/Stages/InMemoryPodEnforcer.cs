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
    private readonly Lock gate = new();
    private readonly Dictionary<ObjectRef, PodPolicy> programmed = new();
    private readonly Dictionary<ObjectRef, (IReadOnlyList<string> Veths, EnforcingMode Mode)> ensured = new();
    private readonly HashSet<ObjectRef> adopted = [];
    private readonly List<IReadOnlySet<ObjectRef>> staleSweeps = [];
    private readonly Queue<PodPolicy> applied = new();

    /// <summary>How many of the latest applies <see cref="Applied"/> keeps.</summary>
    public const int AppliedKept = 10_000;

    public (int Pods, long Entries) Programmed
    {
        get
        {
            lock (gate)
            {
                return (programmed.Count, programmed.Values.Sum(p => (long)(p.Ingress.Rules.Count + p.Egress.Rules.Count)));
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
            lock (gate)
            {
                return [.. applied];
            }
        }
    }

    /// <summary>A copy of every pod's programmed policy.</summary>
    public IReadOnlyDictionary<ObjectRef, PodPolicy> Policies
    {
        get
        {
            lock (gate)
            {
                return new Dictionary<ObjectRef, PodPolicy>(programmed);
            }
        }
    }

    /// <summary>Pods the CNI handshake prepared, with their veths and mode.</summary>
    public IReadOnlyDictionary<ObjectRef, (IReadOnlyList<string> Veths, EnforcingMode Mode)> Ensured
    {
        get
        {
            lock (gate)
            {
                return new Dictionary<ObjectRef, (IReadOnlyList<string>, EnforcingMode)>(ensured);
            }
        }
    }

    /// <summary>The <c>listed</c> sets <see cref="RemoveStalePods"/> was called with, in order.</summary>
    public IReadOnlyList<IReadOnlySet<ObjectRef>> StaleSweeps
    {
        get
        {
            lock (gate)
            {
                return staleSweeps.ToList();
            }
        }
    }

    /// <summary>Holds <paramref name="policy"/> as if it had been programmed before the agent started (pinned state).</summary>
    public void Adopt(PodPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (gate)
        {
            programmed[policy.Pod] = policy;
            adopted.Add(policy.Pod);
        }
    }

    public IReadOnlyList<ObjectRef> RemoveStalePods(IReadOnlySet<ObjectRef> listed)
    {
        ArgumentNullException.ThrowIfNull(listed);
        lock (gate)
        {
            staleSweeps.Add(listed);
            List<ObjectRef> gone = adopted.Where(p => !listed.Contains(p)).ToList();
            foreach (ObjectRef pod in gone)
            {
                programmed.Remove(pod);
                ensured.Remove(pod);
                adopted.Remove(pod);
            }

            return gone;
        }
    }

    public void EnsurePod(ObjectRef pod, IReadOnlyList<string> hostVeths, EnforcingMode mode)
    {
        lock (gate)
        {
            ensured[pod] = (hostVeths, mode);
        }
    }

    public void Apply(PodPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (gate)
        {
            programmed[policy.Pod] = policy;
            applied.Enqueue(policy);
            if (applied.Count > AppliedKept)
            {
                applied.Dequeue();
            }
        }
    }

    public bool RemovePod(ObjectRef pod)
    {
        lock (gate)
        {
            bool known = programmed.Remove(pod);
            return ensured.Remove(pod) || known;
        }
    }
}
