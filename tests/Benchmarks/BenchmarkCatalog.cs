namespace Npa.Benchmarks;

/// <summary>Every benchmark by name. Each one prints its own side-by-side figures.</summary>
internal static class BenchmarkCatalog
{
    private static readonly Dictionary<string, Func<string[], int>> Benchmarks = new(StringComparer.Ordinal)
    {
        ["enforcer"] = EnforcerBenchmark.Run,
        ["journal"] = JournalBenchmark.Run,
        ["flowlogs-throughput"] = FlowLogs.FlowLogThroughputBenchmark.Run,
        ["cloudwatch-batching"] = FlowLogs.CloudWatchBatchingBenchmark.Run,
        ["lab-throughput"] = Lab.LabThroughputBenchmark.Run,
        ["resolver"] = ResolverBenchmark.Run,
        ["scale"] = Scale.ScaleBenchmark.Run,
        ["controller-core"] = ControllerCoreBenchmark.Run,
        ["scale-sim"] = ScaleSim.ScaleSimBenchmark.Run,
    };

    public static int Run(string[] args)
    {
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out Func<string[], int>? run))
        {
            Console.Error.WriteLine("usage: Npa.Benchmarks <name> [args]; names: " + string.Join(", ", Benchmarks.Keys.Order()));
            return 2;
        }

        return run(args[1..]);
    }
}
