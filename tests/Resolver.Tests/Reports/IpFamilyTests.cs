using System.Text.Json.Nodes;
using Npa.Resolver.Model;
using Npa.Resolver.Reports;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;
using Npa.Tests.Shared.Builders;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Reports;

/// <summary>
/// <c>--family</c>: a dual-stack pair whose policy allows the source only by an IPv4 block is reachable over
/// IPv4, not over IPv6, and reachable for "any" (some family allows it).
/// </summary>
public class IpFamilyTests
{
    private static readonly ObjectRef Client = new("x", "client");
    private static readonly ObjectRef Server = new("x", "server");

    private static ResolvedCluster DualStackWithAnIPv4OnlyRule() => PolicyResolver.Resolve(new ClusterBuilder()
        .Pod("x/client", "app=client", "10.0.0.1,fd00::1")
        .Pod("x/server", "app=server", "10.0.0.2,fd00::2")
        .Policy(Ingress("x", "v4-only", "app=server", From(Block("10.0.0.0/24"), Tcp(80))))
        .Build());

    [Theory]
    [InlineData(IpFamily.Any, true)]
    [InlineData(IpFamily.IPv4, true)]
    [InlineData(IpFamily.IPv6, false)]
    public void AnIPv4OnlyIpBlock_AllowsOnlyOverIPv4(IpFamily family, bool allowed)
    {
        ConnectionVerdict verdict = VerdictEvaluator.Evaluate(DualStackWithAnIPv4OnlyRule(), Client, Server, Probe.Tcp(80), family);
        Assert.Equal(allowed, verdict.Allowed);
    }

    [Fact]
    public void IPv6_IsDecidedOnTheIPv6Addresses()
    {
        ConnectionVerdict verdict = VerdictEvaluator.Evaluate(DualStackWithAnIPv4OnlyRule(), Client, Server, Probe.Tcp(80), IpFamily.IPv6);
        Assert.Equal("fd00::1", verdict.FromIp?.ToString());
        Assert.Equal("fd00::2", verdict.ToIp?.ToString());
    }

    [Fact]
    public void AFamilyAPodLacks_DeniesAndSaysSo()
    {
        ResolvedCluster cluster = PolicyResolver.Resolve(new ClusterBuilder()
            .Pod("x/client", "app=client", "10.0.0.1")
            .Pod("x/server", "app=server", "10.0.0.2,fd00::2")
            .Build());
        ConnectionVerdict verdict = VerdictEvaluator.Evaluate(cluster, Client, Server, Probe.Tcp(80), IpFamily.IPv6);
        Assert.False(verdict.Allowed);
        Assert.Equal("x/client and x/server do not both have an IPv6 address", verdict.Reason);
    }

    [Theory]
    [InlineData(IpFamily.Any, "any", true)]
    [InlineData(IpFamily.IPv4, "ipv4", true)]
    [InlineData(IpFamily.IPv6, "ipv6", false)]
    public void MatrixJson_CarriesTheFamily(IpFamily family, string text, bool clientReachesServer)
    {
        JsonNode json = JsonNode.Parse(ReachabilityMatrix.Compute(DualStackWithAnIPv4OnlyRule(), [Probe.Tcp(80)], family: family).ToJson())!;
        Assert.Equal(text, json["family"]!.GetValue<string>());
        Assert.Equal(clientReachesServer, json["probes"]![0]!["matrix"]!["x/client"]!["x/server"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("any", IpFamily.Any)]
    [InlineData("IPv4", IpFamily.IPv4)]
    [InlineData("ipv6", IpFamily.IPv6)]
    public void FamilyText_Parses(string text, IpFamily family)
    {
        Assert.True(IpFamilies.TryParse(text, out IpFamily parsed));
        Assert.Equal(family, parsed);
        Assert.Equal(text.ToLowerInvariant(), parsed.ToText());
    }

    [Theory]
    [InlineData("")]
    [InlineData("inet")]
    [InlineData(null)]
    public void FamilyText_RejectsAnythingElse(string? text) => Assert.False(IpFamilies.TryParse(text, out _));
}
