using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;

namespace Npa.Resolver.Verdicts;

/// <summary>
/// The verdict for every port of <see cref="FirstPort"/>..<see cref="LastPort"/> of one protocol from one pod to
/// another: one verdict, because no rule of either pod starts or ends a port range inside it.
/// <see cref="Verdict"/> is the evaluation at <see cref="FirstPort"/>, with the deciding policies and rules.
/// </summary>
public sealed record PortRangeVerdict(ObjectRef From, ObjectRef To, Protocol Protocol, int FirstPort, int LastPort, ConnectionVerdict Verdict)
{
    public bool Allowed => Verdict.Allowed;

    /// <summary>"TCP/6379", "TCP/1-6378".</summary>
    public string PortText => FirstPort == LastPort
        ? $"{Protocol.ToString().ToUpperInvariant()}/{FirstPort}"
        : $"{Protocol.ToString().ToUpperInvariant()}/{FirstPort}-{LastPort}";

    public override string ToString() => $"{From} -> {To} {PortText}";

    /// <summary>
    /// Splits <paramref name="firstPort"/>..<paramref name="lastPort"/> of <paramref name="protocol"/> where the verdict
    /// from <paramref name="from"/> to <paramref name="to"/> may change (where a rule of the source's egress or the
    /// destination's ingress starts or ends), and evaluates each piece once. Every port of a piece has the same verdict,
    /// so a whole range is checked with a handful of evaluations.
    /// </summary>
    public static IReadOnlyList<PortRangeVerdict> Evaluate(
        ResolvedCluster cluster, ObjectRef from, ObjectRef to, Protocol protocol, int firstPort, int lastPort, IpFamily family)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        SortedSet<int> starts = [firstPort];
        AddBoundaries(starts, Rules(cluster, from, Direction.Egress), protocol, firstPort, lastPort);
        AddBoundaries(starts, Rules(cluster, to, Direction.Ingress), protocol, firstPort, lastPort);
        int[] at = [.. starts];
        List<PortRangeVerdict> pieces = [];
        for (int i = 0; i < at.Length; i++)
        {
            int last = i + 1 < at.Length ? at[i + 1] - 1 : lastPort;
            ConnectionVerdict verdict = VerdictEvaluator.Evaluate(cluster, from, to, new Probe(protocol, at[i], null), family);
            pieces.Add(new PortRangeVerdict(from, to, protocol, at[i], last, verdict));
        }

        return pieces;
    }

    /// <summary>The ports where a piece may start for these rules: each rule's first port and the port after its last.</summary>
    public static void AddBoundaries(SortedSet<int> starts, IEnumerable<AllowRule> rules, Protocol protocol, int firstPort, int lastPort)
    {
        ArgumentNullException.ThrowIfNull(starts);
        ArgumentNullException.ThrowIfNull(rules);
        foreach (AllowRule rule in rules)
        {
            if (rule.Ports.Protocol is Protocol p && p != protocol)
            {
                continue;
            }

            foreach (int start in new[] { rule.Ports.FirstPort, rule.Ports.LastPort + 1 })
            {
                if (start > firstPort && start <= lastPort)
                {
                    starts.Add(start);
                }
            }
        }
    }

    /// <summary>The allow rules of one direction of a pod, none when no policy selects it.</summary>
    public static IReadOnlyList<AllowRule> Rules(ResolvedCluster cluster, ObjectRef pod, Direction direction)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (!cluster.PodPolicies.TryGetValue(pod, out PodPolicy? policy))
        {
            return [];
        }

        return direction == Direction.Egress ? policy.Egress.Rules : policy.Ingress.Rules;
    }
}
