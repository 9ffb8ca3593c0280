using Npa.Host.Lab;
using Npa.Host.Lab.Output;
using Npa.Resolver.Verdicts;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Lab.Kernel;

/// <summary>
/// Address families for real. x/a and x/b are dual-stack; b admits TCP 8080 only from an IPv6 ipBlock
/// holding a. So a reaches b over IPv6 and not over IPv4: the lab and the resolver say so per family, and
/// for "any" both say allowed (the family that lets it through counts), never disagreeing silently.
/// </summary>
[Collection(LabCollection.Name)]
public class LabFamilyTests
{
    private const string V6Only = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          namespace: x
          name: b-from-v6
        spec:
          podSelector:
            matchLabels: {pod: b}
          ingress:
            - from:
                - ipBlock: {cidr: "fd12:6::/64"}
              ports:
                - {protocol: TCP, port: 8080}
        """;

    [NetnsFact]
    public async Task AV6OnlyIpBlock_IsBlockedOverIPv4_AndOpenOverIPv6_InTheLabAsInTheResolver()
    {
        await using LabFixture lab = new();
        lab.Write("pods.yaml",
            LabFixture.Pod("x", "a", "10.126.0.1,fd12:6::1", "{containerPort: 8080}") +
            LabFixture.Pod("x", "b", "10.126.0.2,fd12:6::2", "{containerPort: 8080}"));
        lab.Write("policy.yaml", V6Only);
        LabDaemon daemon = await lab.StartAsync();
        List<LabProbe> probes = [LabProbeSpec.Parse("TCP/8080")];

        foreach ((IpFamily family, bool open) in new[] { (IpFamily.IPv4, false), (IpFamily.IPv6, true), (IpFamily.Any, true) })
        {
            ConnectivityReport observed = await LabProbeRunner.RunAsync(daemon.Pods, probes, CancellationToken.None, family).WaitAsync(TestTimeouts.Default);
            ConnectivityReport expected = daemon.Expect(probes, family);

            Assert.Empty(ConnectivityReport.Differences(observed, expected));
            Assert.Equal(open, observed.Probes[0].Matrix["x/a"]["x/b"]);
            Assert.True(observed.Probes[0].Matrix["x/b"]["x/a"], $"{family}: a is not isolated");
            Assert.Contains($"\"family\":\"{family.ToText()}\"", ConnectivityFormatter.Json(observed), StringComparison.Ordinal);
        }
    }
}
