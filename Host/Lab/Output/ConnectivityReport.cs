using Npa.Resolver.Model;

namespace Npa.Host.Lab.Output;

/// <summary>
/// Reachability for one probe: <c>Matrix[from][to]</c> is true (reached), false (blocked) or null
/// (the probe could not run). Keys are "namespace/pod". <see cref="Probe"/> is the probe as given:
/// <c>TCP/80</c>, or <c>TCP/serve-80-tcp</c> resolved on each destination.
/// </summary>
public sealed record ConnectivityProbe(LabProbe Probe, IReadOnlyDictionary<string, IReadOnlyDictionary<string, bool?>> Matrix);

/// <summary>Every probe plus what went wrong, in the shape <c>npa matrix</c> prints.</summary>
public sealed record ConnectivityReport(IReadOnlyList<ConnectivityProbe> Probes, IReadOnlyList<string> Diagnostics)
{
    /// <summary>The address family the cells are for (<c>any</c>: allowed when some family both pods have is).</summary>
    public Npa.Resolver.Verdicts.IpFamily Family { get; init; } = Npa.Resolver.Verdicts.IpFamily.Any;

    /// <summary>
    /// Cells where two reports disagree, as "TCP/80 a/b -> c/d: observed X, expected Y". An unprobed cell
    /// counts unless the expected side says it cannot be probed either (a named port the destination lacks).
    /// </summary>
    public static IReadOnlyList<string> Differences(ConnectivityReport observed, ConnectivityReport expected)
    {
        List<string> diffs = [];
        foreach (ConnectivityProbe e in expected.Probes)
        {
            ConnectivityProbe? o = observed.Probes.FirstOrDefault(p => p.Probe == e.Probe);
            foreach ((string from, IReadOnlyDictionary<string, bool?> row) in e.Matrix)
            {
                foreach ((string to, bool? want) in row)
                {
                    bool? got = o is not null && o.Matrix.TryGetValue(from, out IReadOnlyDictionary<string, bool?>? orow) &&
                        orow.TryGetValue(to, out bool? g) ? g : null;
                    if (got != want)
                    {
                        diffs.Add($"{e.Probe} {from} -> {to}: observed {Word(got)}, expected {Word(want)}");
                    }
                }
            }
        }

        return diffs;
    }

    public static string Word(bool? v) => v switch
    {
        true => "allowed",
        false => "denied",
        null => "unsupported",
    };

    /// <summary>Builds a probe's matrix from a cell function over the given pods (ordinal order).</summary>
    public static ConnectivityProbe Build(LabProbe probe, IEnumerable<ObjectRef> pods, Func<ObjectRef, ObjectRef, bool?> cell)
    {
        List<ObjectRef> ordered = pods.Order().ToList();
        SortedDictionary<string, IReadOnlyDictionary<string, bool?>> matrix = new(StringComparer.Ordinal);
        foreach (ObjectRef from in ordered)
        {
            SortedDictionary<string, bool?> row = new(StringComparer.Ordinal);
            foreach (ObjectRef to in ordered)
            {
                row[to.ToString()] = cell(from, to);
            }

            matrix[from.ToString()] = row;
        }

        return new ConnectivityProbe(probe, matrix);
    }
}
