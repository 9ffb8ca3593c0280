using System.Buffers;
using System.Diagnostics;
using Amazon.Runtime;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Formatting;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Records;
using Npa.FlowLogs.Tests.CloudWatch;

namespace Npa.Benchmarks.FlowLogs;

/// <summary>
/// cloudwatch-batching: PutLogEvents calls per 100,000 flow lines through the shipper, side by side,
/// all against the in-process endpoint that validates every call (signature, limits, order):
/// (1) a burst from a node-like mix, which the shipper folds into flow summaries;
/// (2) the same flows arriving as fast as the shipper keeps up (one call's worth at a time), sent unfolded;
/// (3) the worst case, a burst where no two flows share a key, so nothing folds;
/// (4) one call per event (what the EKS agent does), a sample extrapolated.
/// Exits 1 if the endpoint saw a protocol violation or a line is neither delivered nor counted dropped.
/// Args: [events=100000] [per-event-sample=2000]
/// </summary>
internal static class CloudWatchBatchingBenchmark
{
    private const string Group = "/aws/eks/bench/cluster";
    private const string Node = "ip-10-0-1-5.us-west-2.compute.internal";
    private const double Target = 15;

    public static int Run(string[] args)
    {
        int events = args.Length > 0 ? int.Parse(args[0]) : 100_000;
        int sample = args.Length > 1 ? int.Parse(args[1]) : 2_000;
        return RunAsync(events, sample).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int events, int sample)
    {
        await using FakeCloudWatchLogsServer server = await FakeCloudWatchLogsServer.StartAsync();
        using HttpClient http = new();
        CloudWatchLogsClient client = new(http, server.Endpoint, FakeCloudWatchLogsServer.Region,
            new StaticAwsCredentialSource(new ImmutableCredentials(FakeCloudWatchLogsServer.AccessKey, FakeCloudWatchLogsServer.SecretKey, null)));
        FlowLogFormatter formatter = new(Node);
        DateTime t0 = DateTime.UtcNow;

        NodeFlowMix mix = new();
        FlowRecord[] nodeFlows = [.. Enumerable.Range(0, events).Select(i => mix.Next(t0.AddTicks(i * 100)))];
        FlowRecord[] distinctFlows = [.. Enumerable.Range(0, events).Select(i => Distinct(nodeFlows[i], i))];
        byte[][] nodeLines = Format(formatter, nodeFlows);
        byte[][] distinctLines = Format(formatter, distinctFlows);
        int keys = nodeFlows.Select(f => new FlowFoldKey(f)).Distinct().Count();

        Case burst = await BurstAsync(client, "burst", nodeFlows, nodeLines);
        Case trickle = await KeepingUpAsync(client, "keeping-up", nodeFlows, nodeLines);
        Case worst = await BurstAsync(client, "no-two-alike", distinctFlows, distinctLines);

        await client.CreateLogStreamAsync(Group, "per-event", CancellationToken.None);
        Stopwatch perEventTime = Stopwatch.StartNew();
        for (int i = 0; i < sample; i++)
        {
            await client.PutLogEventsAsync(Group, "per-event", [new LogEvent(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), nodeLines[i % events])], CancellationToken.None);
        }

        perEventTime.Stop();
        double perEventSeconds = perEventTime.Elapsed.TotalSeconds / sample * events;

        double Per100K(long calls) => calls * 100_000.0 / events;
        long nodeFloor = Floor(nodeLines);
        long worstFloor = Floor(distinctLines);
        Console.WriteLine($"cloudwatch-batching: PutLogEvents calls for {events:N0} flow lines, in-process endpoint validating signature, limits and order; 5 calls/s per stream");
        Console.WriteLine($"  node mix: {NodeFlowMix.Description}.");
        Console.WriteLine($"  {keys:N0} distinct fold keys among {events:N0} flows; lines average {nodeLines.Average(l => l.Length):F0} bytes, so unfolded they need >= {nodeFloor:N0} calls (1 MiB limit)");
        Console.WriteLine();
        Console.WriteLine($"  (1) burst, node mix (folded):    {burst.Calls,6:N0} calls = {Per100K(burst.Calls),6:F1} per 100,000 (target <= {Target}: {(Per100K(burst.Calls) <= Target ? "met" : "NOT met")}); {burst.Describe()}");
        Console.WriteLine($"  (2) same flows, keeping up:      {trickle.Calls,6:N0} calls = {Per100K(trickle.Calls),6:F1} per 100,000 (measured: fed one call's worth at a time, each after the last was delivered; every line unfolded, so the 1 MiB floor of {nodeFloor:N0} applies); {trickle.Describe()}");
        Console.WriteLine($"  (3) burst, no two flows alike:   {worst.Calls,6:N0} calls = {Per100K(worst.Calls),6:F1} per 100,000 (nothing can fold; 1 MiB floor {worstFloor:N0}: the target is {(Per100K(worst.Calls) <= Target ? "met" : "NOT met, and cannot be without dropping data")}); {worst.Describe()}");
        Console.WriteLine($"  (4) one call per event:          {events,6:N0} calls = {Per100K(events),6:F1} per 100,000 ({perEventSeconds:F1} s extrapolated from {sample:N0}; at 5 calls/s per stream the service would need {events / 5.0 / 3600:F1} h)");
        Console.WriteLine();
        Console.WriteLine($"  ratios: burst folded {events / (double)Math.Max(1, burst.Calls):N0}x, keeping up {events / (double)Math.Max(1, trickle.Calls):N0}x, worst case {events / (double)Math.Max(1, worst.Calls):N0}x fewer calls than one per event");
        Console.WriteLine($"  protocol violations seen by the endpoint: {server.Violations.Count}{(server.Violations.IsEmpty ? "" : " (first: " + server.Violations.First() + ")")}");
        bool accounted = burst.Accounted && trickle.Accounted && worst.Accounted;
        Console.WriteLine($"  every line delivered or counted dropped: {(accounted ? "yes" : "NO")}");
        return server.Violations.IsEmpty && accounted ? 0 : 1;
    }

    /// <summary>Everything enqueued at once into a running shipper, then stopped (it drains first).</summary>
    private static async Task<Case> BurstAsync(CloudWatchLogsClient client, string stream, FlowRecord[] flows, byte[][] lines)
    {
        FlowLogCounters counters = new();
        CloudWatchShipper shipper = Shipper(client, stream, counters, TimeSpan.FromSeconds(2));
        Stopwatch time = Stopwatch.StartNew();
        for (int i = 0; i < flows.Length; i++)
        {
            shipper.Enqueue(flows[i], lines[i]);
        }

        await shipper.StopAsync();
        return new Case(counters, flows.Length, time.Elapsed);
    }

    /// <summary>The flows in chunks of one call's worth, each enqueued once the previous is delivered: as fast as the shipper keeps up.</summary>
    private static async Task<Case> KeepingUpAsync(CloudWatchLogsClient client, string stream, FlowRecord[] flows, byte[][] lines)
    {
        FlowLogCounters counters = new();
        CloudWatchShipper shipper = Shipper(client, stream, counters, TimeSpan.FromMilliseconds(100));
        Stopwatch time = Stopwatch.StartNew();
        int i = 0;
        while (i < flows.Length)
        {
            long bytes = 0;
            int start = i;
            while (i < flows.Length && i - start < CloudWatchLimits.MaxEventsPerBatch && bytes + lines[i].Length + CloudWatchLimits.PerEventOverheadBytes <= CloudWatchLimits.MaxBatchBytes)
            {
                bytes += lines[i].Length + CloudWatchLimits.PerEventOverheadBytes;
                shipper.Enqueue(flows[i], lines[i]);
                i++;
            }

            using CancellationTokenSource timeout = new(TimeSpan.FromMinutes(1));
            while (counters.CloudWatchDelivered + counters.CloudWatchDropped < counters.CloudWatchEnqueued)
            {
                await Task.Delay(5, timeout.Token);
            }
        }

        await shipper.StopAsync();
        return new Case(counters, flows.Length, time.Elapsed);
    }

    private static CloudWatchShipper Shipper(CloudWatchLogsClient client, string stream, FlowLogCounters counters, TimeSpan batchInterval)
    {
        CloudWatchShipper shipper = new(client, new CloudWatchShipperOptions
        {
            LogGroupName = Group,
            LogStreamName = stream,
            NodeName = Node,
            BatchInterval = batchInterval,
            DrainTimeout = TimeSpan.FromMinutes(2),
        }, counters);
        shipper.Start();
        return shipper;
    }

    /// <summary>The same flow from its own source address, so no two fold.</summary>
    private static FlowRecord Distinct(FlowRecord flow, int i) =>
        flow with { Source = FlowAddress.Parse($"10.{64 + ((i >> 16) & 63)}.{(i >> 8) & 255}.{i & 255}"), SourcePod = null, SourceNamespace = null };

    private static byte[][] Format(FlowLogFormatter formatter, FlowRecord[] flows)
    {
        ArrayBufferWriter<byte> buffer = new(2048);
        byte[][] lines = new byte[flows.Length][];
        for (int i = 0; i < flows.Length; i++)
        {
            buffer.ResetWrittenCount();
            int n = formatter.Format(flows[i], buffer);
            lines[i] = buffer.WrittenSpan[..(n - 1)].ToArray();
        }

        return lines;
    }

    private static long Floor(byte[][] lines) =>
        (long)Math.Ceiling(lines.Sum(l => (double)l.Length + CloudWatchLimits.PerEventOverheadBytes) / CloudWatchLimits.MaxBatchBytes);

    private sealed record Case(FlowLogCounters Counters, int Lines, TimeSpan Elapsed)
    {
        public long Calls => Counters.CloudWatchRequests;

        public bool Accounted => Counters.CloudWatchEnqueued == Lines && Counters.CloudWatchDelivered + Counters.CloudWatchDropped == Lines;

        public string Describe() =>
            $"lines delivered {Counters.CloudWatchDelivered:N0}, dropped {Counters.CloudWatchDropped:N0}, {Counters.CloudWatchFoldedLines:N0} of them folded into {Counters.CloudWatchSummaries:N0} summaries, {Elapsed.TotalSeconds:F1} s";
    }
}
