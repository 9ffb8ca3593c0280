using Npa.Host.Lab.Output;
using Npa.Host.Lab.Traffic;

namespace Npa.Host.Lab;

/// <summary>
/// Probes every pod to every pod for each probe, bounded in parallelism and per-probe time, and
/// returns the observed matrix. A pod reaching itself is reported allowed without probing. A named
/// probe connects to the port each destination declares under that name; a destination that declares
/// none is not probed (null, with a diagnostic), never allowed or denied.
/// </summary>
public static class LabProbeRunner
{
    public static TimeSpan ProbeTimeout { get; } = TimeSpan.FromSeconds(1);

    public const int Parallelism = 16;

    /// <summary>Default probes: every port some pod of the lab serves, by number.</summary>
    public static IReadOnlyList<LabProbe> DefaultProbes(IEnumerable<LabPod> pods) =>
        [.. pods.SelectMany(p => p.Ports).Distinct().Order().Select(LabProbe.Number)];

    public static async Task<ConnectivityReport> RunAsync(IReadOnlyList<LabPod> pods, IReadOnlyList<LabProbe> probes, CancellationToken ct,
        Npa.Resolver.Verdicts.IpFamily family = Npa.Resolver.Verdicts.IpFamily.Any)
    {
        Dictionary<(LabProbe, string, string), ProbeOutcome> outcomes = [];
        List<(LabProbe Probe, LabPod From, LabPod To)> work = [];
        foreach (LabProbe probe in probes)
        {
            foreach (LabPod from in pods)
            {
                foreach (LabPod to in pods)
                {
                    if (from.Pod != to.Pod)
                    {
                        work.Add((probe, from, to));
                    }
                }
            }
        }

        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (w, token) =>
        {
            ProbeOutcome o = await Prober.ProbeAsync(w.From, w.To, w.Probe, ProbeTimeout, token, family);
            lock (outcomes)
            {
                outcomes[(w.Probe, w.From.Pod.ToString(), w.To.Pod.ToString())] = o;
            }
        });

        Dictionary<string, int> unprobed = [];
        List<ConnectivityProbe> result = [];
        foreach (LabProbe probe in probes)
        {
            result.Add(ConnectivityReport.Build(probe, pods.Select(p => p.Pod), (from, to) =>
            {
                if (from == to)
                {
                    return true;
                }

                ProbeOutcome o = outcomes[(probe, from.ToString(), to.ToString())];
                if (o.Verdict == ProbeVerdict.Unsupported)
                {
                    string key = $"{probe}: not probed: {o.Detail}";
                    unprobed[key] = unprobed.GetValueOrDefault(key) + 1;
                }

                return o.AsBool;
            }));
        }

        return new ConnectivityReport(result, [.. unprobed.Select(kv => kv.Value == 1 ? kv.Key : $"{kv.Key} ({kv.Value} cells)")]) { Family = family };
    }
}
