using System.Text.Json;
using Npa.FlowLogs.Formatting;
using Npa.FlowLogs.Records;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Tests.Formatting;

public class FlowLogFormatterTests
{
    private static FlowRecord Seed() => new()
    {
        Timestamp = new DateTime(2023, 5, 30, 16, 5, 32, 573, DateTimeKind.Utc).AddTicks(4_321),
        Source = FlowAddress.Parse("192.168.87.155"),
        Destination = FlowAddress.Parse("64.6.160.1"),
        SourcePort = 38971,
        DestinationPort = 53,
        Protocol = (byte)Protocol.Udp,
        Verdict = FlowVerdict.Allow,
        Direction = Direction.Egress,
        Count = 1,
    };

    [Fact]
    public void BareRecord_KeepsTheSeedFieldsFirstAndExactly()
    {
        string line = new FlowLogFormatter(nodeName: null).FormatToString(Seed());

        Assert.Equal(
            """{"level":"info","timestamp":"2023-05-30T16:05:32.573Z","logger":"ebpf-client","msg":"Flow Info: ","Src IP":"192.168.87.155","Src Port":38971,"Dest IP":"64.6.160.1","Dest Port":53,"Proto":"UDP","Verdict":"ACCEPT","Direction":"egress","Count":1}""",
            line);
    }

    [Fact]
    public void WorstCaseLine_StaysFarBelowFluentBitsDefaultBufferMaxSize()
    {
        // Longest names Kubernetes allows, a pod isolated by 1,000 policies, a huge peer description.
        string longName = new('p', 253);
        FlowRecord r = Seed();
        r.SourceNamespace = new string('n', 63);
        r.SourcePod = longName;
        r.DestinationNamespace = new string('m', 63);
        r.DestinationPod = longName;
        r.IsolatingPolicies = [.. Enumerable.Range(0, 1000).Select(i => $"{new string('n', 63)}/{longName[..200]}-{i}")];
        FlowLogFormatter formatter = new(new string('h', 253));

        string isolated = formatter.FormatToString(r);
        r.IsolatingPolicies = null;
        r.Rule = new RuleRef(new string('n', 63), longName, Direction.Ingress, 99, new string('x', 100_000));
        string ruled = formatter.FormatToString(r);

        using JsonDocument a = JsonDocument.Parse(isolated);
        Assert.Equal(FlowLogFormatter.MaxIsolatingPolicies, a.RootElement.GetProperty("Isolating Policies").GetArrayLength());
        Assert.Equal(1000 - FlowLogFormatter.MaxIsolatingPolicies, a.RootElement.GetProperty("Isolating Policies Omitted").GetInt32());
        using JsonDocument b = JsonDocument.Parse(ruled);
        Assert.EndsWith("...", b.RootElement.GetProperty("Rule").GetString());
        Assert.All(new[] { isolated, ruled }, line => Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(line) + 1, 1, 8 * 1024));
    }

    [Theory]
    [InlineData("2023-05-30T16:05:32.573Z", "2023-05-30T16:05:32.999Z")] // same second
    [InlineData("2023-05-30T16:05:32.999Z", "2023-05-30T16:05:33.000Z")] // next second
    [InlineData("2023-12-31T23:59:59.999Z", "2024-01-01T00:00:00.000Z")] // next year
    [InlineData("2024-01-01T00:00:00.000Z", "2023-05-30T16:05:32.573Z")] // back in time (aggregated lines carry older times)
    public void Timestamps_OneAfterAnother_AreEachWrittenInFull(string first, string second)
    {
        FlowLogFormatter formatter = new(nodeName: null);
        foreach (string expected in new[] { first, second, first })
        {
            FlowRecord r = Seed();
            r.Timestamp = DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
            using JsonDocument doc = JsonDocument.Parse(formatter.FormatToString(r));
            Assert.Equal(expected, doc.RootElement.GetProperty("timestamp").GetString());
        }
    }

    [Fact]
    public void EnrichedAllowedFlow_NamesNodePodsPolicyAndRule()
    {
        FlowRecord r = Seed();
        r.SourceNamespace = "shop";
        r.SourcePod = "web-7d9f-abc";
        r.DestinationNamespace = "kube-system";
        r.DestinationPod = "coredns-1";
        r.Rule = new RuleRef("shop", "allow-dns", Direction.Egress, 0, "ns:kube-system");

        string line = new FlowLogFormatter("ip-10-0-1-5.ec2.internal").FormatToString(r);

        Assert.Equal(
            """{"level":"info","timestamp":"2023-05-30T16:05:32.573Z","logger":"ebpf-client","msg":"Flow Info: ","Src IP":"192.168.87.155","Src Port":38971,"Dest IP":"64.6.160.1","Dest Port":53,"Proto":"UDP","Verdict":"ACCEPT","Direction":"egress","Node":"ip-10-0-1-5.ec2.internal","Src Namespace":"shop","Src Pod":"web-7d9f-abc","Dest Namespace":"kube-system","Dest Pod":"coredns-1","Policy":"shop/allow-dns","Rule":"egress[0] ns:kube-system","Count":1}""",
            line);
    }

    [Fact]
    public void AggregatedDeny_ListsIsolatingPoliciesAndCount()
    {
        FlowRecord r = Seed();
        r.Verdict = FlowVerdict.Deny;
        r.Direction = Direction.Ingress;
        r.Protocol = (byte)Protocol.Tcp;
        r.IsolatingPolicies = ["shop/default-deny", "shop/web-only"];
        r.Count = 17;

        using JsonDocument doc = JsonDocument.Parse(new FlowLogFormatter("node-a").FormatToString(r));
        JsonElement root = doc.RootElement;

        Assert.Equal("DENY", root.GetProperty("Verdict").GetString());
        Assert.Equal("TCP", root.GetProperty("Proto").GetString());
        Assert.Equal(["shop/default-deny", "shop/web-only"], root.GetProperty("Isolating Policies").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(17, root.GetProperty("Count").GetInt32());
        Assert.False(root.TryGetProperty("Policy", out _));
    }

    public static TheoryData<byte, string> Protocols => new()
    {
        { 6, "\"TCP\"" }, { 17, "\"UDP\"" }, { 132, "\"SCTP\"" }, { 1, "\"ICMP\"" }, { 58, "\"ICMPv6\"" }, { 47, "47" },
    };

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Protocol_IsANameOrTheNumber(byte protocol, string expectedJson)
    {
        FlowRecord r = Seed();
        r.Protocol = protocol;
        Assert.Contains($"\"Proto\":{expectedJson},", new FlowLogFormatter(null).FormatToString(r));
    }

    [Fact]
    public void FieldOrder_IsStable()
    {
        FlowRecord r = Seed();
        r.SourceNamespace = "a";
        r.SourcePod = "b";
        r.DestinationNamespace = "c";
        r.DestinationPod = "d";
        r.Rule = new RuleRef("a", "p", Direction.Ingress, 2, "");
        using JsonDocument doc = JsonDocument.Parse(new FlowLogFormatter("n").FormatToString(r));

        Assert.Equal(
            [FlowLogFields.Level, FlowLogFields.Timestamp, FlowLogFields.Logger, FlowLogFields.Message, FlowLogFields.SourceIp,
             FlowLogFields.SourcePort, FlowLogFields.DestinationIp, FlowLogFields.DestinationPort, FlowLogFields.Protocol,
             FlowLogFields.Verdict, FlowLogFields.Direction, FlowLogFields.Node, FlowLogFields.SourceNamespace, FlowLogFields.SourcePod,
             FlowLogFields.DestinationNamespace, FlowLogFields.DestinationPod, FlowLogFields.Policy, FlowLogFields.Rule, FlowLogFields.Count],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void NamesWithQuotesNewlinesAndUnicode_StayOneValidJsonLine()
    {
        FlowRecord r = Seed();
        r.SourcePod = "we\"ird\npod\\ü\u0001";
        r.IsolatingPolicies = ["ns/\"x\"\r\n"];
        r.Verdict = FlowVerdict.Deny;
        System.Buffers.ArrayBufferWriter<byte> buffer = new();
        int n = new FlowLogFormatter("n\tode").Format(r, buffer);

        ReadOnlySpan<byte> bytes = buffer.WrittenSpan;
        Assert.Equal(n, bytes.Length);
        Assert.Equal((byte)'\n', bytes[^1]);
        Assert.Equal(1, bytes.Count((byte)'\n'));
        using JsonDocument doc = JsonDocument.Parse(bytes.ToArray());
        Assert.Equal("we\"ird\npod\\ü\u0001", doc.RootElement.GetProperty("Src Pod").GetString());
        Assert.Equal("n\tode", doc.RootElement.GetProperty("Node").GetString());
        Assert.Equal("ns/\"x\"\r\n", doc.RootElement.GetProperty("Isolating Policies")[0].GetString());
    }

    [Fact]
    public void Ipv6Addresses_AreWrittenInTheirShortForm()
    {
        FlowRecord r = Seed();
        r.Source = FlowAddress.Parse("fd00:0:0:0:0:0:0:7");
        r.Destination = FlowAddress.Parse("2001:db8::1");
        using JsonDocument doc = JsonDocument.Parse(new FlowLogFormatter(null).FormatToString(r));
        Assert.Equal("fd00::7", doc.RootElement.GetProperty("Src IP").GetString());
        Assert.Equal("2001:db8::1", doc.RootElement.GetProperty("Dest IP").GetString());
    }

    [Fact]
    public void ManyRecords_EachLineParsesAsJson()
    {
        FlowLogFormatter formatter = new("node-1");
        System.Buffers.ArrayBufferWriter<byte> buffer = new();
        for (int i = 0; i < 500; i++)
        {
            FlowRecord r = Seed();
            r.SourcePort = (ushort)(i * 131);
            r.Protocol = (byte)(i % 256);
            r.Verdict = (FlowVerdict)(i % 3);
            r.Direction = (Direction)(i % 3);
            r.Count = i;
            r.Timestamp = r.Timestamp.AddMilliseconds(i * 997);
            formatter.Format(r, buffer);
        }

        string[] lines = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(500, lines.Length);
        foreach (string line in lines)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            Assert.Equal("ebpf-client", doc.RootElement.GetProperty("logger").GetString());
            Assert.True(DateTime.TryParse(doc.RootElement.GetProperty("timestamp").GetString(), out _));
        }
    }
}
