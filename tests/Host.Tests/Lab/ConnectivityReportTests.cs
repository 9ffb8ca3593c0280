using System.Text.Json;
using Npa.Host.Lab;
using Npa.Host.Lab.Output;
using Npa.Resolver.Model;

namespace Npa.Host.Tests.Lab;

public class ConnectivityReportTests
{
    private static readonly ObjectRef A = new("x", "a");
    private static readonly ObjectRef B = new("x", "b");

    private static ConnectivityReport Report(bool? aToB) =>
        new([ConnectivityReport.Build(new LabPort(Protocol.Tcp, 80), [B, A], (f, t) => f == A && t == B ? aToB : true)], []);

    [Fact]
    public void Json_HasTheMatrixShape_WithNullForUnprobedCells()
    {
        using JsonDocument doc = JsonDocument.Parse(ConnectivityFormatter.Json(Report(null)));
        JsonElement probe = doc.RootElement.GetProperty("probes")[0];

        Assert.Equal("TCP", probe.GetProperty("protocol").GetString());
        Assert.Equal("80", probe.GetProperty("port").GetString());
        Assert.Equal(JsonValueKind.Null, probe.GetProperty("matrix").GetProperty("x/a").GetProperty("x/b").ValueKind);
        Assert.True(probe.GetProperty("matrix").GetProperty("x/b").GetProperty("x/a").GetBoolean());
        Assert.Equal(0, doc.RootElement.GetProperty("diagnostics").GetArrayLength());
    }

    [Fact]
    public void NamedProbe_IsLabelledAsGiven_InJsonAndTable()
    {
        ConnectivityReport report = new([ConnectivityReport.Build(LabProbeSpec.Parse("TCP/serve-80-tcp"), [A, B], (f, t) => f == t ? true : null)], []);

        using JsonDocument doc = JsonDocument.Parse(ConnectivityFormatter.Json(report));
        JsonElement probe = doc.RootElement.GetProperty("probes")[0];
        Assert.Equal("TCP", probe.GetProperty("protocol").GetString());
        Assert.Equal("serve-80-tcp", probe.GetProperty("port").GetString());
        Assert.StartsWith("TCP/serve-80-tcp ", ConnectivityFormatter.Table(report), StringComparison.Ordinal);
    }

    [Fact]
    public void Differences_AgreeOnACellBothSidesCannotProbe_AndMatchProbesByName()
    {
        LabProbe named = LabProbeSpec.Parse("TCP/web");
        ConnectivityReport NamedReport(LabProbe probe, bool? aToB) =>
            new([ConnectivityReport.Build(probe, [A, B], (f, t) => f == A && t == B ? aToB : true)], []);

        Assert.Empty(ConnectivityReport.Differences(NamedReport(named, null), NamedReport(named, null)));
        Assert.Equal(["TCP/web x/a -> x/b: observed unsupported, expected allowed"],
            ConnectivityReport.Differences(NamedReport(named, null), NamedReport(named, true)));
        Assert.Equal(["TCP/web x/a -> x/b: observed allowed, expected unsupported"],
            ConnectivityReport.Differences(NamedReport(named, true), NamedReport(named, null)));
        Assert.Equal(2 * 2, ConnectivityReport.Differences(NamedReport(LabProbeSpec.Parse("TCP/api"), true), NamedReport(named, true)).Count);
    }

    [Fact]
    public void Differences_NameEveryDisagreeingCell_AndCountUnprobedAsDisagreeing()
    {
        Assert.Empty(ConnectivityReport.Differences(Report(false), Report(false)));
        Assert.Equal(["TCP/80 x/a -> x/b: observed allowed, expected denied"], ConnectivityReport.Differences(Report(true), Report(false)));
        Assert.Single(ConnectivityReport.Differences(Report(null), Report(false)));
    }

    [Fact]
    public void Table_MarksReachedBlockedAndUnprobed()
    {
        string table = System.Text.RegularExpressions.Regex.Replace(ConnectivityFormatter.Table(new ConnectivityReport(
            [ConnectivityReport.Build(new LabPort(Protocol.Udp, 53), [A, B], (f, t) => f == t ? true : f == A ? false : null)], [])), " +", " ");

        Assert.Contains("x/a . X", table, StringComparison.Ordinal);
        Assert.Contains("x/b ? .", table, StringComparison.Ordinal);
    }
}
