using System.Buffers;
using System.Text;
using System.Text.Json;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Formatting;
using Npa.FlowLogs.Records;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Tests.CloudWatch;

public class FlowSummaryFolderTests
{
    private static readonly DateTime T0 = new(2026, 11, 25, 14, 0, 0, DateTimeKind.Utc);
    private static readonly RuleRef AllowWeb = SampleFlows.AllowWeb;
    private readonly FlowLogFormatter _formatter = new("ip-10-0-1-5");

    private static FlowRecord Flow(ushort sourcePort, int millis = 0, int count = 1) => SampleFlows.WebToDatabase(sourcePort, T0.AddMilliseconds(millis), count);

    private QueuedFlow Queued(in FlowRecord record)
    {
        ArrayBufferWriter<byte> line = new();
        int n = _formatter.Format(record, line);
        return new QueuedFlow(record, line.WrittenSpan[..(n - 1)].ToArray());
    }

    private List<LogEvent> Fold(params FlowRecord[] records) => Fold(out _, records);

    private List<LogEvent> Fold(out int folded, params FlowRecord[] records)
    {
        List<LogEvent> events = [];
        folded = new FlowSummaryFolder(_formatter).Fold([.. records.Select(r => Queued(r))], events);
        return events;
    }

    private static JsonElement Json(LogEvent e) => JsonDocument.Parse(e.Message).RootElement;

    [Fact]
    public void SummaryOfAwkwardFlows_IsOneValidJsonLine_WithLocalTimesWrittenAsUtc()
    {
        DateTime local = T0.ToLocalTime();
        List<string> isolating = [.. Enumerable.Range(0, 40).Select(i => $"ns\"{i}/deny\\all\n{i}")];
        FlowRecord Odd(ushort port, int millis) => SampleFlows.WebToDatabase(port, local.AddMilliseconds(millis), 1) with
        {
            SourcePod = "we\"b\u2028\u0001",
            DestinationNamespace = "d\\b",
            Rule = null,
            Verdict = FlowVerdict.Deny,
            IsolatingPolicies = isolating,
        };

        FlowRecord[] flows = [.. Enumerable.Range(0, 100).Select(i => Odd((ushort)(50000 + i), millis: i))];
        LogEvent summary = Assert.Single(Fold(flows));

        Assert.DoesNotContain((byte)'\n', summary.Message);
        JsonElement json = Json(summary);
        Assert.Equal("we\"b\u2028\u0001", json.GetProperty("Src Pod").GetString());
        Assert.Equal("d\\b", json.GetProperty("Dest Namespace").GetString());
        Assert.Equal(isolating.Take(FlowLogFormatter.MaxIsolatingPolicies), json.GetProperty("Isolating Policies").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(40 - FlowLogFormatter.MaxIsolatingPolicies, json.GetProperty("Isolating Policies Omitted").GetInt32());
        Assert.Equal(100 - FlowSummaryFolder.MaxListedPorts, json.GetProperty("Src Ports Omitted").GetInt32());
        Assert.Equal("2026-11-25T14:00:00.000Z", json.GetProperty("timestamp").GetString());
        Assert.Equal("2026-11-25T14:00:00.099Z", json.GetProperty("Last Timestamp").GetString());
        Assert.Equal(LogEvent.UnixMilliseconds(T0), summary.TimestampMs);
    }

    [Fact]
    public void SameKey_FoldsIntoOneSummary_WithCountsSummedAndFirstAndLastSeen()
    {
        List<LogEvent> events = Fold(out int folded, Flow(40001, millis: 300, count: 2), Flow(40002, millis: 100), Flow(40003, millis: 900, count: 5));

        LogEvent summary = Assert.Single(events);
        JsonElement json = Json(summary);
        Assert.Equal(3, summary.Lines);
        Assert.Equal(3, folded);
        Assert.Equal(8, json.GetProperty("Count").GetInt64());
        Assert.Equal(3, json.GetProperty("Flows").GetInt32());
        Assert.Equal("2026-11-25T14:00:00.100Z", json.GetProperty("timestamp").GetString());
        Assert.Equal("2026-11-25T14:00:00.900Z", json.GetProperty("Last Timestamp").GetString());
        Assert.Equal(LogEvent.UnixMilliseconds(T0.AddMilliseconds(100)), summary.TimestampMs);
        Assert.Equal([40001, 40002, 40003], json.GetProperty("Src Ports").EnumerateArray().Select(p => p.GetInt32()));
        Assert.False(json.TryGetProperty("Src Port", out _));
        Assert.False(json.TryGetProperty("Src Ports Omitted", out _));
    }

    [Fact]
    public void Summary_KeepsThePerFlowFieldsNamesAndOrder()
    {
        LogEvent summary = Assert.Single(Fold(Flow(40002, millis: 5), Flow(40001, millis: 7, count: 3)));

        Assert.Equal(
            """{"level":"info","timestamp":"2026-11-25T14:00:00.005Z","logger":"ebpf-client","msg":"Flow Info: ","Src IP":"10.0.0.1","Src Ports":[40001,40002],"Dest IP":"10.0.0.2","Dest Port":5432,"Proto":"TCP","Verdict":"ACCEPT","Direction":"ingress","Node":"ip-10-0-1-5","Src Namespace":"shop","Src Pod":"web-7d9f8c6b5-x2k4p","Dest Namespace":"db","Dest Pod":"pg-0","Policy":"db/allow-web","Rule":"ingress[0] app=web","Count":4,"Flows":2,"Last Timestamp":"2026-11-25T14:00:00.007Z"}""",
            Encoding.UTF8.GetString(summary.Message));
    }

    [Fact]
    public void SingleFlowKey_StaysByteIdenticalToTheFileLine()
    {
        FlowRecord lone = Flow(40001) with { DestinationPort = 6379 };
        List<LogEvent> events = Fold(out int folded, Flow(40002), lone, Flow(40003));

        Assert.Equal(2, events.Count);
        Assert.Equal(2, folded);
        LogEvent single = Assert.Single(events, e => e.Lines == 1);
        Assert.Equal(Queued(lone).Line, single.Message);
        Assert.Equal(_formatter.FormatToString(lone), Encoding.UTF8.GetString(single.Message));
    }

    public static TheoryData<string, Func<FlowRecord, FlowRecord>> Differences => new()
    {
        { "dest port", r => r with { DestinationPort = 5433 } },
        { "verdict", r => r with { Verdict = FlowVerdict.Deny, Rule = null, IsolatingPolicies = ["db/default-deny"] } },
        { "policy", r => r with { Rule = new RuleRef("db", "allow-admin", Direction.Ingress, 0, "app=web") } },
        { "rule index", r => r with { Rule = AllowWeb with { RuleIndex = 1 } } },
        { "protocol", r => r with { Protocol = (byte)Protocol.Udp } },
        { "direction", r => r with { Direction = Direction.Egress } },
        { "source address", r => r with { Source = FlowAddress.Parse("10.0.0.9") } },
        { "destination address", r => r with { Destination = FlowAddress.Parse("10.0.0.9") } },
        { "source pod", r => r with { SourcePod = "web-7d9f8c6b5-zzzzz" } },
        { "destination namespace", r => r with { DestinationNamespace = "db2" } },
    };

    [Theory]
    [MemberData(nameof(Differences))]
    public void FlowsDifferingBeyondPortTimeAndCount_DoNotFold(string difference, Func<FlowRecord, FlowRecord> change)
    {
        List<LogEvent> events = Fold(Flow(40001), change(Flow(40002)));

        Assert.True(events.Count == 2, $"flows differing in {difference} were folded");
        Assert.All(events, e => Assert.Equal(1, e.Lines));
    }

    [Fact]
    public void DeniedFlows_FoldByTheirIsolatingPolicies_ComparedByValue()
    {
        FlowRecord deny = Flow(40001) with { Verdict = FlowVerdict.Deny, Rule = null, IsolatingPolicies = ["db/default-deny"] };
        List<LogEvent> events = Fold(deny, deny with { SourcePort = 40002, IsolatingPolicies = ["db/default-deny"] }, deny with { SourcePort = 40003, IsolatingPolicies = ["db/other"] });

        Assert.Equal([2, 1], events.Select(e => e.Lines));
        Assert.Equal(["db/default-deny"], Json(events[0]).GetProperty("Isolating Policies").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public void PortList_IsDistinctAscendingAndBounded_TheRestCountedAsOmitted()
    {
        // 100 distinct ports, in descending order, each seen twice.
        FlowRecord[] flows = [.. Enumerable.Range(0, 200).Select(i => Flow((ushort)(50_000 - (i % 100)), millis: i))];

        LogEvent summary = Assert.Single(Fold(flows));
        JsonElement json = Json(summary);
        int[] listed = [.. json.GetProperty("Src Ports").EnumerateArray().Select(p => p.GetInt32())];
        Assert.Equal(FlowSummaryFolder.MaxListedPorts, listed.Length);
        Assert.Equal(listed.Order(), listed);
        Assert.Equal(listed.Length, listed.Distinct().Count());
        Assert.Equal(50_000 - 99, listed[0]);
        Assert.Equal(100 - FlowSummaryFolder.MaxListedPorts, json.GetProperty("Src Ports Omitted").GetInt32());
        Assert.Equal(200, json.GetProperty("Flows").GetInt32());
        Assert.Equal(200, json.GetProperty("Count").GetInt64());
    }

    [Fact]
    public void StringsInASummary_AreEscaped()
    {
        FlowRecord odd = Flow(40001) with { SourcePod = "we\"b\\1\n", Rule = null, Verdict = FlowVerdict.Deny, IsolatingPolicies = ["db/quote\"d"] };
        LogEvent summary = Assert.Single(Fold(odd, odd with { SourcePort = 40002 }));

        JsonElement json = Json(summary);
        Assert.Equal("we\"b\\1\n", json.GetProperty("Src Pod").GetString());
        Assert.Equal("db/quote\"d", json.GetProperty("Isolating Policies")[0].GetString());
        Assert.DoesNotContain((byte)'\n', summary.Message);
    }

    [Fact]
    public void AMixedBacklog_FoldsDeterministically_AndEveryLineParsesWithTheExpectedFields()
    {
        NodeFlowMix mix = new();
        FlowRecord[] flows = [.. Enumerable.Range(0, 5_000).Select(i => mix.Next(T0.AddMilliseconds(i)))];

        List<LogEvent> first = Fold(out int folded, flows);
        List<LogEvent> second = Fold(flows);

        Assert.Equal(first.Select(e => Encoding.UTF8.GetString(e.Message)), second.Select(e => Encoding.UTF8.GetString(e.Message)));
        Assert.Equal(flows.Length, first.Sum(e => e.Lines));
        Assert.True(first.Count < flows.Length / 2, $"{flows.Length} flows of a node-like mix folded only to {first.Count} events");
        Assert.Equal(first.Where(e => e.Lines > 1).Sum(e => e.Lines), folded);
        string[] common = ["level", "timestamp", "logger", "msg", "Src IP", "Dest IP", "Dest Port", "Proto", "Verdict", "Direction", "Node", "Count"];
        foreach (LogEvent e in first)
        {
            JsonElement json = Json(e);
            Assert.All(common, name => Assert.True(json.TryGetProperty(name, out _), $"{name} missing in {Encoding.UTF8.GetString(e.Message)}"));
            Assert.True(json.TryGetProperty("Policy", out _) || json.TryGetProperty("Isolating Policies", out _));
            if (e.Lines == 1)
            {
                Assert.True(json.TryGetProperty("Src Port", out _));
                Assert.False(json.TryGetProperty("Flows", out _));
            }
            else
            {
                Assert.Equal(e.Lines, json.GetProperty("Flows").GetInt32());
                Assert.True(json.GetProperty("Count").GetInt64() >= e.Lines);
                Assert.InRange(json.GetProperty("Src Ports").GetArrayLength(), 1, FlowSummaryFolder.MaxListedPorts);
                Assert.Equal(e.TimestampMs, DateTimeOffset.Parse(json.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
                Assert.True(string.CompareOrdinal(json.GetProperty("timestamp").GetString(), json.GetProperty("Last Timestamp").GetString()) <= 0);
            }
        }
    }
}
