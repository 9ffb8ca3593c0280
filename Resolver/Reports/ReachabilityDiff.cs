using System.Text;
using System.Text.Json;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;

namespace Npa.Resolver.Reports;

/// <summary>
/// What a change to the manifests opens or closes: every (from, to, port range) whose verdict differs between
/// <c>before</c> and <c>after</c>, for the pods both versions have, with the cause of each change. Ranges are exact:
/// they are split where a rule of either pod, in either version, starts or ends, so one evaluation per piece
/// decides every port in it. This is what <c>npa diff</c> prints for a reviewer.
/// </summary>
public sealed record ReachabilityDiff(IReadOnlyList<VerdictChange> Changes, IReadOnlyList<ObjectRef> PodsOnlyBefore, IReadOnlyList<ObjectRef> PodsOnlyAfter)
{
    public IpFamily Family { get; init; } = IpFamily.Any;

    public static ReachabilityDiff Compute(ResolvedCluster before, ResolvedCluster after, IReadOnlyList<PortSelection>? ports = null, IpFamily family = IpFamily.Any)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ObjectRef[] pods = before.Pods.Keys.Intersect(after.Pods.Keys).Order().ToArray();
        List<VerdictChange> changes = [];
        foreach (ObjectRef from in pods)
        {
            foreach (ObjectRef to in pods)
            {
                if (from == to)
                {
                    continue;
                }

                foreach (PortSelection selection in ports ?? PortSelection.Every)
                {
                    foreach ((int first, int last) in Numbers(selection, after.Pods[to], before.Pods[to]))
                    {
                        Compare(before, after, from, to, selection.Protocol, first, last, family, changes);
                    }
                }
            }
        }

        return new ReachabilityDiff(changes,
            before.Pods.Keys.Except(after.Pods.Keys).Order().ToArray(),
            after.Pods.Keys.Except(before.Pods.Keys).Order().ToArray()) { Family = family };
    }

    private static void Compare(ResolvedCluster before, ResolvedCluster after, ObjectRef from, ObjectRef to, Protocol protocol, int first, int last,
        IpFamily family, List<VerdictChange> changes)
    {
        SortedSet<int> starts = [first];
        foreach (ResolvedCluster version in new[] { before, after })
        {
            PortRangeVerdict.AddBoundaries(starts, PortRangeVerdict.Rules(version, from, Direction.Egress), protocol, first, last);
            PortRangeVerdict.AddBoundaries(starts, PortRangeVerdict.Rules(version, to, Direction.Ingress), protocol, first, last);
        }

        int[] at = [.. starts];
        VerdictChange? open = null;
        for (int i = 0; i < at.Length; i++)
        {
            int end = i + 1 < at.Length ? at[i + 1] - 1 : last;
            Probe probe = new(protocol, at[i], null);
            ConnectionVerdict was = VerdictEvaluator.Evaluate(before, from, to, probe, family);
            ConnectionVerdict now = VerdictEvaluator.Evaluate(after, from, to, probe, family);
            if (was.Allowed == now.Allowed)
            {
                Flush();
                continue;
            }

            VerdictChange change = new(from, to, protocol, at[i], end, was, now);
            if (open is not null && open.Opened == change.Opened && open.Cause == change.Cause)
            {
                open = open with { LastPort = end };
            }
            else
            {
                Flush();
                open = change;
            }
        }

        Flush();

        void Flush()
        {
            if (open is not null)
            {
                changes.Add(open);
                open = null;
            }
        }
    }

    /// <summary>The port numbers a selection means: its range, or what the destination declares under the name (after, else before).</summary>
    private static IEnumerable<(int First, int Last)> Numbers(PortSelection ports, PodInfo after, PodInfo before) =>
        ports.Name is null
            ? [(ports.FirstPort, ports.LastPort)]
            : NamedPortResolver.Resolve(after, ports.Name, ports.Protocol).Concat(NamedPortResolver.Resolve(before, ports.Name, ports.Protocol))
                .Distinct().Order().Select(n => (n, n));

    /// <summary>One line per change ("+" opened, "-" closed), pods present in one version only, then the totals.</summary>
    public string ToText()
    {
        StringBuilder text = new();
        foreach (VerdictChange change in Changes)
        {
            text.Append(change).Append('\n');
        }

        if (PodsOnlyBefore.Count > 0)
        {
            text.Append($"pods only before (not compared): {string.Join(", ", PodsOnlyBefore)}\n");
        }

        if (PodsOnlyAfter.Count > 0)
        {
            text.Append($"pods only after (not compared): {string.Join(", ", PodsOnlyAfter)}\n");
        }

        int opened = Changes.Count(c => c.Opened);
        text.Append(Changes.Count == 0
            ? "no verdict changes\n"
            : $"{Changes.Count} changes: {opened} opened, {Changes.Count - opened} closed\n");
        return text.ToString();
    }

    /// <summary>
    /// <c>{"family":"any","changes":[{"from":"ns/a","to":"ns/b","protocol":"TCP","firstPort":80,"lastPort":80,"before":"deny","after":"allow","cause":"..."}],
    /// "podsOnlyBefore":[...],"podsOnlyAfter":[...]}</c>.
    /// </summary>
    public string ToJson(bool indented = false)
    {
        using MemoryStream stream = new();
        using (Utf8JsonWriter json = new(stream, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartObject();
            json.WriteString("family", Family.ToText());
            json.WriteStartArray("changes");
            foreach (VerdictChange c in Changes)
            {
                json.WriteStartObject();
                json.WriteString("from", c.From.ToString());
                json.WriteString("to", c.To.ToString());
                json.WriteString("protocol", c.Protocol.ToString().ToUpperInvariant());
                json.WriteNumber("firstPort", c.FirstPort);
                json.WriteNumber("lastPort", c.LastPort);
                json.WriteString("before", c.Before.Allowed ? "allow" : "deny");
                json.WriteString("after", c.After.Allowed ? "allow" : "deny");
                json.WriteString("cause", c.Cause);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteRefs(json, "podsOnlyBefore", PodsOnlyBefore);
            WriteRefs(json, "podsOnlyAfter", PodsOnlyAfter);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteRefs(Utf8JsonWriter json, string name, IEnumerable<ObjectRef> refs)
    {
        json.WriteStartArray(name);
        foreach (ObjectRef r in refs)
        {
            json.WriteStringValue(r.ToString());
        }

        json.WriteEndArray();
    }
}
