using System.Globalization;

namespace Npa.Benchmarks.Scale;

/// <summary>The scale benchmark's figures, printed side by side with their targets.</summary>
internal sealed class ScaleReport(ScaleArgs args)
{
    private const double MiB = 1024 * 1024;

    public TimeSpan Populate { get; set; }

    public TimeSpan ResolverFull { get; set; }

    public int ResolverPolicyEndpoints { get; set; }

    public TimeSpan PodList { get; set; }

    public int PodListCount { get; set; }

    public Convergence Converged { get; set; } = new(null, -1);

    public long ControllerPeakAfterStart { get; set; }

    public long ControllerPeak { get; set; }

    public List<TimeSpan> PodAdds { get; } = [];

    public int PodAddTimeouts { get; set; }

    public TimeSpan CpuPerChange { get; set; } = TimeSpan.MinValue;

    public double IdleCpuPerSecond { get; set; }

    public TimeSpan? BurstConverged { get; set; }

    public long RestartWrites { get; set; } = -1;

    public int RestartWorstWrong { get; set; } = -1;

    public int RestartWrongAtEnd { get; set; } = -1;

    public Dictionary<string, AgentFigures> Agents { get; } = new(StringComparer.Ordinal);

    public void Print()
    {
        List<(string What, string Figure, string Target, bool? Met)> rows =
        [
            ("populate (in the API server)", Seconds(Populate.TotalSeconds), "", null),
            ("resolver alone, ResolverState.FromSnapshot", Ms(ResolverFull), "", null),
            ($"pods listed + translated by Ingest ({PodListCount:N0})", Seconds(PodList.TotalSeconds), "<= 2 s", PodList.TotalSeconds <= 2),
            ("controller start -> correct PolicyEndpoints", Converged.Seconds is { } s ? Seconds(s) : $"not in {args.ConvergeTimeout.TotalSeconds:F0} s ({Converged.Wrong} wrong)",
                "<= 10 s", Converged.Seconds is not null ? Converged.Seconds <= 10 : false),
            ($"pod add -> in its policies' PEs, p50 (n={PodAdds.Count})", PodAdds.Count > 0 ? Ms(Percentile(0.5)) : "-", "", null),
            ($"pod add -> in its policies' PEs, p99{(PodAddTimeouts > 0 ? $", {PodAddTimeouts} timed out" : "")}", PodAdds.Count > 0 ? Ms(Percentile(0.99)) : "-",
                "<= 1.5 s", PodAdds.Count > 0 && PodAddTimeouts == 0 ? Percentile(0.99).TotalSeconds <= 1.5 : null),
            ($"controller CPU per pod change (burst of {args.Burst}, idle {IdleCpuPerSecond * 1000:F0} ms/s out)", CpuPerChange >= TimeSpan.Zero ? Ms(CpuPerChange) : "-",
                "<= 20 ms", CpuPerChange >= TimeSpan.Zero ? CpuPerChange.TotalMilliseconds <= 20 : null),
            ("burst -> correct PolicyEndpoints again", BurstConverged is { } b ? Seconds(b.TotalSeconds) : "-", "", null),
            ("controller peak RSS (VmHWM)", Mib(ControllerPeak), "<= 300 MiB", ControllerPeak > 0 ? ControllerPeak / MiB <= 300 : null),
            ($"controller restart: PE writes in {args.RestartWait.TotalSeconds:F0} s", RestartWrites >= 0 ? RestartWrites.ToString(CultureInfo.InvariantCulture) : "-",
                "0", RestartWrites >= 0 ? RestartWrites == 0 : null),
            ("controller restart: policies wrong (worst / at end)", RestartWorstWrong >= 0 ? $"{RestartWorstWrong} / {RestartWrongAtEnd}" : "-", "0 / 0",
                RestartWorstWrong >= 0 ? RestartWorstWrong == 0 && RestartWrongAtEnd == 0 : null),
        ];
        foreach ((string source, AgentFigures agent) in Agents)
        {
            rows.Add(($"agent {args.Node} ({source}): ready", agent.ReadySeconds is { } r ? Seconds(r) : "never", "", null));
            rows.Add(($"agent {args.Node} ({source}): peak RSS", agent.PeakBytes > 0 ? Mib(agent.PeakBytes) : "-", "<= 150 MiB",
                agent.PeakBytes > 0 ? agent.PeakBytes / MiB <= 150 : null));
        }

        int width = rows.Max(r => r.What.Length);
        Console.WriteLine();
        Console.WriteLine($"{"what".PadRight(width)}  {"figure",24}  {"target",12}");
        foreach ((string what, string figure, string target, bool? met) in rows)
        {
            string mark = met switch { true => "ok", false => "OFF TARGET", null => "" };
            Console.WriteLine($"{what.PadRight(width)}  {figure,24}  {target,12}  {mark}");
        }
    }

    private TimeSpan Percentile(double q)
    {
        TimeSpan[] sorted = [.. PodAdds.Order()];
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }

    private static string Seconds(double s) => $"{s:F2} s";

    private static string Ms(TimeSpan t) => $"{t.TotalMilliseconds:F1} ms";

    private static string Mib(long bytes) => $"{bytes / MiB:F0} MiB";
}
