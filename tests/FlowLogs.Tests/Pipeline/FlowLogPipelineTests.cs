using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Npa.FlowLogs.Aggregation;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Enrichment;
using Npa.FlowLogs.Files;
using Npa.FlowLogs.Formatting;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Records;
using Npa.FlowLogs.Tests.Files;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Tests.Shared;

namespace Npa.FlowLogs.Tests.Pipeline;

public class FlowLogPipelineTests
{
    private sealed class RecordingSink : ICloudWatchLogsSink
    {
        public List<string> Lines { get; } = [];

        public void Enqueue(in FlowRecord record, ReadOnlySpan<byte> utf8Line) => Lines.Add(Encoding.UTF8.GetString(utf8Line));
    }

    private static FlowRecord Flow(FlowVerdict verdict, string src, string dst, uint ruleId = 0) => new()
    {
        Timestamp = new DateTime(2026, 11, 25, 14, 0, 0, DateTimeKind.Utc),
        Source = FlowAddress.Parse(src),
        Destination = FlowAddress.Parse(dst),
        SourcePort = 40000,
        DestinationPort = 80,
        Protocol = 6,
        Verdict = verdict,
        Direction = Direction.Ingress,
        RuleId = ruleId,
        Count = 1,
    };

    [Fact]
    public async Task Records_BecomeEnrichedLinesInTheFileAndTheCloudWatchSink()
    {
        using TempDirectory dir = new();
        FlowLogCounters counters = new();
        FakeTimeProvider time = new();
        FlowLookupTable lookups = new();
        PodIdentity web = new("shop", "web-1");
        PodIdentity db = new("db", "pg-0");
        lookups.Publish(
            [new(FlowAddress.Parse("10.0.0.1"), web), new(FlowAddress.Parse("10.0.0.2"), db)],
            [new(7u, new RuleRef("db", "allow-web", Direction.Ingress, 0, "app=web"))],
            [new((db, Direction.Ingress), ["db/default-deny"])]);
        RecordingSink sink = new();
        Channel<FlowRecord> records = Channel.CreateUnbounded<FlowRecord>();
        FlowLogFileOptions fileOptions = new() { Directory = dir.Path };

        await using (FlowLogFileWriter file = new(fileOptions, counters, time))
        {
            FlowLogPipeline pipeline = new(
                new FlowRecordEnricher(lookups, lookups, lookups),
                new FlowAggregator(new FlowAggregatorOptions { LogAccept = true, Window = TimeSpan.FromSeconds(10) }, time, counters),
                new FlowLogFormatter("node-a"), file, sink, counters, time);
            Task run = pipeline.RunAsync(records.Reader, CancellationToken.None);

            records.Writer.TryWrite(Flow(FlowVerdict.Allow, "10.0.0.1", "10.0.0.2", ruleId: 7));
            for (int i = 0; i < 4; i++)
            {
                records.Writer.TryWrite(Flow(FlowVerdict.Deny, "10.0.0.9", "10.0.0.2"));
            }

            records.Writer.Complete();
            await run.WaitAsync(TestTimeouts.Default);
        }

        string[] lines = File.ReadAllLines(Path.Combine(dir.Path, fileOptions.FileName));
        Assert.Equal(lines, sink.Lines.Select(l => l.TrimEnd('\n')));
        Assert.Equal(3, lines.Length); // the accept, the first deny, the aggregated repeats

        JsonElement accept = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("ACCEPT", accept.GetProperty("Verdict").GetString());
        Assert.Equal("web-1", accept.GetProperty("Src Pod").GetString());
        Assert.Equal("pg-0", accept.GetProperty("Dest Pod").GetString());
        Assert.Equal("db/allow-web", accept.GetProperty("Policy").GetString());

        JsonElement deny = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal("DENY", deny.GetProperty("Verdict").GetString());
        Assert.False(deny.TryGetProperty("Src Pod", out _)); // 10.0.0.9 is no known pod
        Assert.Equal("db/default-deny", deny.GetProperty("Isolating Policies")[0].GetString());
        Assert.Equal(1, deny.GetProperty("Count").GetInt32());
        Assert.Equal(3, JsonDocument.Parse(lines[2]).RootElement.GetProperty("Count").GetInt32());
        Assert.Equal(3, counters.LinesWritten);
    }

    [Fact]
    public async Task FileOnly_LinesAreFormattedStraightIntoTheFile()
    {
        using TempDirectory dir = new();
        FlowLogCounters counters = new();
        FakeTimeProvider time = new();
        Channel<FlowRecord> records = Channel.CreateUnbounded<FlowRecord>();
        FlowLogFileOptions fileOptions = new() { Directory = dir.Path, ChunkBytes = 1024 };
        await using (FlowLogFileWriter file = new(fileOptions, counters, time))
        {
            FlowLogPipeline pipeline = new(new FlowRecordEnricher(), new FlowAggregator(new FlowAggregatorOptions(), time, counters),
                new FlowLogFormatter("node-a"), file, cloudWatch: null, counters, time);
            Task run = pipeline.RunAsync(records.Reader, CancellationToken.None);
            for (ushort port = 1; port <= 100; port++)
            {
                FlowRecord r = Flow(FlowVerdict.Deny, "10.0.0.1", "10.0.0.2");
                r.SourcePort = port;
                records.Writer.TryWrite(r);
            }

            records.Writer.Complete();
            await run.WaitAsync(TestTimeouts.Default);
        }

        string[] lines = File.ReadAllLines(Path.Combine(dir.Path, fileOptions.FileName));
        Assert.Equal(Enumerable.Range(1, 100), lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Src Port").GetInt32()));
        Assert.Equal(100, counters.LinesFormatted);
    }

    [Fact]
    public void WithoutLookups_RecordsStillFormat()
    {
        FlowRecord record = Flow(FlowVerdict.Deny, "10.0.0.1", "10.0.0.2", ruleId: 3);
        new FlowRecordEnricher().Enrich(ref record);
        string line = new FlowLogFormatter(null).FormatToString(record);
        JsonElement root = JsonDocument.Parse(line).RootElement;
        Assert.Equal("10.0.0.1", root.GetProperty("Src IP").GetString());
        Assert.False(root.TryGetProperty("Policy", out _));
        Assert.Equal(IPAddress.Parse("10.0.0.2"), record.Destination.ToIPAddress());
    }
}
