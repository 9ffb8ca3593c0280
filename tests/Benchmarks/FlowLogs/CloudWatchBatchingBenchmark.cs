using System.Diagnostics;
using System.Text;
using Amazon.Runtime;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Tests.CloudWatch;

namespace Npa.Benchmarks.FlowLogs;

/// <summary>
/// cloudwatch-batching: PutLogEvents calls for 100,000 events through the batching shipper, side by
/// side with one call per event (what the EKS agent does), both against the in-process endpoint that
/// validates every call. The one-per-event side runs a sample and extrapolates its time.
/// Args: [events=100000] [per-event-sample=2000]
/// </summary>
internal static class CloudWatchBatchingBenchmark
{
    private const string Group = "/aws/eks/bench/cluster";

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
        byte[] line = Encoding.UTF8.GetBytes("""{"level":"info","timestamp":"2026-11-25T14:00:00.000Z","logger":"ebpf-client","msg":"Flow Info: ","Src IP":"10.0.0.1","Src Port":40000,"Dest IP":"10.1.0.1","Dest Port":5432,"Proto":"TCP","Verdict":"DENY","Direction":"ingress","Node":"ip-10-0-1-5","Src Namespace":"shop","Src Pod":"web-1","Dest Namespace":"db","Dest Pod":"pg-0","Isolating Policies":["db/default-deny"],"Count":1}""");

        // Batched: the shipper at the service's per-stream rate (5 requests/s).
        FlowLogCounters counters = new();
        CloudWatchShipper shipper = new(client, new CloudWatchShipperOptions
        {
            LogGroupName = Group,
            LogStreamName = "batched",
            BatchInterval = TimeSpan.FromMilliseconds(500),
            DrainTimeout = TimeSpan.FromMinutes(2),
        }, counters);
        shipper.Start();
        Stopwatch batchedTime = Stopwatch.StartNew();
        DateTime t0 = DateTime.UtcNow;
        for (int i = 0; i < events; i++)
        {
            shipper.Enqueue(t0.AddTicks(i), line);
        }

        await shipper.StopAsync();
        batchedTime.Stop();
        long batchedCalls = counters.CloudWatchRequests;

        // One call per event, a sample of it.
        await client.CreateLogStreamAsync(Group, "per-event", CancellationToken.None);
        Stopwatch perEventTime = Stopwatch.StartNew();
        for (int i = 0; i < sample; i++)
        {
            await client.PutLogEventsAsync(Group, "per-event", [new LogEvent(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), line)], CancellationToken.None);
        }

        perEventTime.Stop();
        double perEventSeconds = perEventTime.Elapsed.TotalSeconds / sample * events;

        Console.WriteLine($"cloudwatch-batching ({events:N0} events of {line.Length} bytes, in-process validating endpoint)");
        Console.WriteLine($"  batched:        {batchedCalls,8:N0} PutLogEvents calls ({batchedCalls * 100_000.0 / events:F1} per 100,000; target <= 15), {batchedTime.Elapsed.TotalSeconds:F1} s, delivered {counters.CloudWatchDelivered:N0}, dropped {counters.CloudWatchDropped:N0}");
        long byBytes = (long)Math.Ceiling(events * (double)(line.Length + CloudWatchLimits.PerEventOverheadBytes) / CloudWatchLimits.MaxBatchBytes);
        long byCount = (long)Math.Ceiling(events / (double)CloudWatchLimits.MaxEventsPerBatch);
        Console.WriteLine($"  lower bound:    {Math.Max(byBytes, byCount),8:N0} calls under the limits ({byCount:N0} by the 10,000-event limit, {byBytes:N0} by the 1 MiB limit at {line.Length + CloudWatchLimits.PerEventOverheadBytes} bytes/event)");
        Console.WriteLine($"  one per event:  {events,8:N0} PutLogEvents calls, {perEventSeconds:F1} s extrapolated from {sample:N0} (and at 5 requests/s per stream the service would need {events / 5.0 / 3600:F1} h)");
        Console.WriteLine($"  ratio:          {events / (double)Math.Max(1, batchedCalls):N0}x fewer calls");
        Console.WriteLine($"  protocol violations seen by the endpoint: {server.Violations.Count}");
        return server.Violations.IsEmpty && counters.CloudWatchDelivered + counters.CloudWatchDropped == events ? 0 : 1;
    }
}
