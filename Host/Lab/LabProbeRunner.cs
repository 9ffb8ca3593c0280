using Npa.Host.Lab.Output;
using Npa.Host.Lab.Traffic;

namespace Npa.Host.Lab;

/// <summary>
/// Probes every pod to every pod for each probe, bounded in parallelism and per-probe time, and
/// returns the observed matrix. A pod reaching itself is reported allowed without probing.
/// </summary>
public static class LabProbeRunner
{
    public static TimeSpan ProbeTimeout { get; } = TimeSpan.FromSeconds(1);

    public const int Parallelism = 16;

    /// <summary>Default probes: every port some pod of the lab serves.</summary>
    public static IReadOnlyList<LabPort> DefaultProbes(IEnumerable<LabPod> pods) =>
        [.. pods.SelectMany(p => p.Ports).Distinct().Order()];

    public static async Task<ConnectivityReport> RunAsync(IReadOnlyList<LabPod> pods, IReadOnlyList<LabPort> probes, CancellationToken ct)
    {
        Dictionary<(LabPort, string, string), ProbeOutcome> outcomes = [];
        List<(LabPort Port, LabPod From, LabPod To)> work = [];
        foreach (LabPort port in probes)
        {
            foreach (LabPod from in pods)
            {
                foreach (LabPod to in pods)
                {
                    if (from.Pod != to.Pod)
                    {
                        work.Add((port, from, to));
                    }
                }
            }
        }

        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (w, token) =>
        {
            ProbeOutcome o = await Prober.ProbeAsync(w.From, w.To, w.Port, ProbeTimeout, token);
            lock (outcomes)
            {
                outcomes[(w.Port, w.From.Pod.ToString(), w.To.Pod.ToString())] = o;
            }
        });

        Dictionary<string, int> unprobed = [];
        List<ConnectivityProbe> result = [];
        foreach (LabPort port in probes)
        {
            result.Add(ConnectivityReport.Build(port, pods.Select(p => p.Pod), (from, to) =>
            {
                if (from == to)
                {
                    return true;
                }

                ProbeOutcome o = outcomes[(port, from.ToString(), to.ToString())];
                if (o.Verdict == ProbeVerdict.Unsupported)
                {
                    string key = $"{port}: not probed: {o.Detail}";
                    unprobed[key] = unprobed.GetValueOrDefault(key) + 1;
                }

                return o.AsBool;
            }));
        }

        return new ConnectivityReport(result, [.. unprobed.Select(kv => kv.Value == 1 ? kv.Key : $"{kv.Key} ({kv.Value} cells)")]);
    }
}
