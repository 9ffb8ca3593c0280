using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Tests.Shared.Builders;

/// <summary>Short builders for pod policies in tests.</summary>
public static class PodPolicies
{
    public static AllowRule Allow(string cidr, L4Match ports, int ruleIndex = 0, string policy = "p", params string[] except) =>
        new(IpPrefix.Parse(cidr), except.Select(IpPrefix.Parse).ToArray(), ports,
            new RuleRef("default", policy, Direction.Ingress, ruleIndex, cidr));

    public static L4Match Tcp(int port) => L4Match.Single(Protocol.Tcp, port);

    public static L4Match Udp(int port) => L4Match.Single(Protocol.Udp, port);

    public static DirectionPolicy Isolated(params AllowRule[] rules) =>
        new(true, rules, [new ObjectRef("default", "p")]);

    public static PodPolicy Ingress(params AllowRule[] rules) =>
        new(new ObjectRef("default", "pod"), [IPAddress.Parse("10.0.0.10")], Isolated(rules), DirectionPolicy.Open);

    public static PodPolicy Egress(params AllowRule[] rules) =>
        new(new ObjectRef("default", "pod"), [IPAddress.Parse("10.0.0.10")], DirectionPolicy.Open, Isolated(rules));

    public static PodPolicy Both(AllowRule[] ingress, AllowRule[] egress) =>
        new(new ObjectRef("default", "pod"), [IPAddress.Parse("10.0.0.10")], Isolated(ingress), Isolated(egress));

    /// <summary>Distinct policy number <paramref name="i"/> of a churn: three rules with distinct peers and ports, so each rule owns port entries.</summary>
    public static PodPolicy Churn(int i) => Ingress(
        Allow($"10.{i % 250}.0.0/16", Tcp(80), 0, $"ci-{i}"),
        Allow("172.16.0.0/12", Tcp(443), 1, $"ci-{i}"),
        Allow("192.168.0.0/16", Udp(53), 2, $"ci-{i}"));

    public static PodPolicy Open { get; } =
        new(new ObjectRef("default", "pod"), [IPAddress.Parse("10.0.0.10")], DirectionPolicy.Open, DirectionPolicy.Open);
}
