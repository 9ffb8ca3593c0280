using Npa.FlowLogs.Formatting;
using Npa.FlowLogs.Records;
using Npa.FlowLogs.Viewing;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Tests.Viewing;

public class FlowLogPrettyPrinterTests
{
    private static string Logged(Action<FlowRecordBox> edit)
    {
        FlowRecordBox box = new()
        {
            Record = new FlowRecord
            {
                Timestamp = new DateTime(2026, 11, 25, 14, 0, 0, 123, DateTimeKind.Utc),
                Source = FlowAddress.Parse("10.0.0.1"),
                Destination = FlowAddress.Parse("10.0.0.2"),
                SourcePort = 40000,
                DestinationPort = 5432,
                Protocol = 6,
                Verdict = FlowVerdict.Deny,
                Direction = Direction.Ingress,
                Count = 1,
            },
        };
        edit(box);
        return new FlowLogFormatter("node-a").FormatToString(box.Record);
    }

    [Fact]
    public void DeniedFlow_ShowsPodsIsolatingPoliciesAndCount()
    {
        string line = Logged(b =>
        {
            b.Record = b.Record with
            {
                SourceNamespace = "shop", SourcePod = "web-1", DestinationNamespace = "db", DestinationPod = "pg-0",
                IsolatingPolicies = ["db/default-deny"], Count = 12,
            };
        });

        FlowLogEntry entry = FlowLogEntry.TryParse(line, out string? error)!;
        Assert.Null(error);
        string pretty = FlowLogPrettyPrinter.Format(entry);

        Assert.StartsWith("2026-11-25T14:00:00.123Z  DENY     ingress  shop/web-1 (10.0.0.1:40000)", pretty);
        Assert.Contains(" -> db/pg-0 (10.0.0.2:5432)", pretty);
        Assert.Contains("TCP     isolated by db/default-deny  x12", pretty);
        Assert.True(entry.Involves("db/pg-0"));
        Assert.False(entry.Involves("db/pg-1"));
    }

    [Fact]
    public void AllowedFlow_ShowsPolicyAndRule_AndIpv6InBrackets()
    {
        string line = Logged(b =>
        {
            b.Record = b.Record with
            {
                Verdict = FlowVerdict.Allow,
                Source = FlowAddress.Parse("fd00::1"),
                Destination = FlowAddress.Parse("fd00::2"),
                Rule = new RuleRef("db", "allow-web", Direction.Ingress, 1, "pods app=web"),
            };
        });

        string pretty = FlowLogPrettyPrinter.Format(FlowLogEntry.TryParse(line, out _)!);

        Assert.Contains("  [fd00::1]:40000 ", pretty);
        Assert.Contains(" -> [fd00::2]:5432 ", pretty);
        Assert.EndsWith("db/allow-web ingress[1] pods app=web", pretty);
    }

    [Fact]
    public void NonFlowLines_AreReportedNotPrinted()
    {
        Assert.Null(FlowLogEntry.TryParse("not json", out string? e1));
        Assert.Contains("not JSON", e1);
        Assert.Null(FlowLogEntry.TryParse("{\"level\":\"info\",\"msg\":\"hello\"}", out string? e2));
        Assert.Contains("not a flow log", e2);
    }

    public sealed class FlowRecordBox
    {
        public FlowRecord Record;
    }
}
