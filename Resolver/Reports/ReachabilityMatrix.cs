using System.Text;
using System.Text.Json;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;

namespace Npa.Resolver.Reports;

/// <summary>The verdicts of one probe for every (from, to) pair of pods.</summary>
public sealed record ProbeMatrix(Probe Probe, IReadOnlyList<ObjectRef> Pods, IReadOnlyDictionary<(ObjectRef From, ObjectRef To), bool> Allowed);

/// <summary>
/// Reachability between every pair of pods for a list of probes and one <see cref="IpFamily"/>, pods in
/// namespace/name order, with the renderings <c>npa matrix</c> prints: JSON for tools, a table for a terminal.
/// </summary>
public sealed record ReachabilityMatrix(IReadOnlyList<ObjectRef> Pods, IReadOnlyList<ProbeMatrix> Probes, IReadOnlyList<string> Diagnostics)
{
    /// <summary>The address family the verdicts were decided for.</summary>
    public IpFamily Family { get; init; } = IpFamily.Any;

    public static ReachabilityMatrix Compute(ResolvedCluster cluster, IEnumerable<Probe> probes, IEnumerable<string>? diagnostics = null, IpFamily family = IpFamily.Any)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(probes);
        ObjectRef[] pods = cluster.Pods.Keys.Order().ToArray();
        List<ProbeMatrix> matrices = [];
        foreach (Probe probe in probes)
        {
            Dictionary<(ObjectRef, ObjectRef), bool> allowed = new();
            foreach (ObjectRef from in pods)
            {
                foreach (ObjectRef to in pods)
                {
                    allowed[(from, to)] = VerdictEvaluator.Evaluate(cluster, from, to, probe, family).Allowed;
                }
            }

            matrices.Add(new ProbeMatrix(probe, pods, allowed));
        }

        return new ReachabilityMatrix(pods, matrices, diagnostics?.ToArray() ?? []) { Family = family };
    }

    /// <summary>
    /// <c>{"family":"any","probes":[{"protocol":"TCP","port":"80","matrix":{"ns/from":{"ns/to":true,...},...}}],"diagnostics":[...]}</c>,
    /// family being "any", "ipv4" or "ipv6".
    /// </summary>
    public string ToJson(bool indented = false)
    {
        using MemoryStream stream = new();
        using (Utf8JsonWriter json = new(stream, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartObject();
            json.WriteString("family", Family.ToText());
            json.WriteStartArray("probes");
            foreach (ProbeMatrix m in Probes)
            {
                json.WriteStartObject();
                json.WriteString("protocol", m.Probe.ProtocolText);
                json.WriteString("port", m.Probe.PortText);
                json.WriteStartObject("matrix");
                foreach (ObjectRef from in m.Pods)
                {
                    json.WriteStartObject(from.ToString());
                    foreach (ObjectRef to in m.Pods)
                    {
                        json.WriteBoolean(to.ToString(), m.Allowed[(from, to)]);
                    }

                    json.WriteEndObject();
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("diagnostics");
            foreach (string d in Diagnostics)
            {
                json.WriteStringValue(d);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>One table per probe: rows are sources, columns destinations, '.' allowed and 'X' denied. Diagnostics are not included.</summary>
    public string ToTable()
    {
        StringBuilder text = new();
        foreach (ProbeMatrix m in Probes)
        {
            string[] names = m.Pods.Select(p => p.ToString()).ToArray();
            string corner = m.Probe.ToString();
            int rowWidth = Math.Max(corner.Length, names.DefaultIfEmpty("").Max(n => n.Length));
            text.Append(corner.PadRight(rowWidth));
            foreach (string name in names)
            {
                text.Append(' ').Append(name);
            }

            text.Append('\n');
            for (int i = 0; i < names.Length; i++)
            {
                StringBuilder row = new(names[i].PadRight(rowWidth));
                for (int j = 0; j < names.Length; j++)
                {
                    string cell = m.Allowed[(m.Pods[i], m.Pods[j])] ? "." : "X";
                    row.Append(' ').Append(cell.PadRight(names[j].Length));
                }

                text.Append(row.ToString().TrimEnd()).Append('\n');
            }

            int denied = m.Allowed.Values.Count(a => !a);
            text.Append($"rows: from, columns: to; '.' allowed, 'X' denied ({m.Allowed.Count - denied} allowed, {denied} denied)\n\n");
        }

        if (Pods.Count == 0)
        {
            text.Append("no pods in the input\n");
        }

        return text.ToString();
    }
}
