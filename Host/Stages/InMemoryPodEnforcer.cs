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
