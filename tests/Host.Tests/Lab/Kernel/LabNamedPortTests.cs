using Npa.Host.Lab;
using Npa.Host.Lab.Output;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Lab.Kernel;

/// <summary>
/// Named probes for real. One port name, "web", stands for TCP 8080 on x/a and TCP 9090 on x/b, while x/c
/// declares "web" for UDP only; a policy allows ingress to every pod of x on the named port "web".
/// </summary>
[Collection(LabCollection.Name)]
public class LabNamedPortTests
{
    private const string AllowWeb = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          namespace: x
          name: allow-web
        spec:
          podSelector: {}
          ingress:
            - ports:
                - port: web
        """;

    private static void WritePods(LabFixture lab)
    {
        lab.Write("pods.yaml",
            LabFixture.Pod("x", "a", "10.125.0.1,fd12:5::1", "{name: web, containerPort: 8080}") +
            LabFixture.Pod("x", "b", "10.125.0.2,fd12:5::2", "{name: web, containerPort: 9090}") +
            LabFixture.Pod("x", "c", "10.125.0.3", "{name: web, containerPort: 7070, protocol: UDP}"));
        lab.Write("policy.yaml", AllowWeb);
    }

    [NetnsFact]
    public async Task NamedProbe_ConnectsToEachDestinationsOwnPort_AndEqualsTheResolversMatrix()
    {
        await using LabFixture lab = new();
        WritePods(lab);
        LabDaemon daemon = await lab.StartAsync();
        List<LabProbe> probes = [LabProbeSpec.Parse("TCP/web"), LabProbeSpec.Parse("TCP/8080"), LabProbeSpec.Parse("TCP/9090")];

        ConnectivityReport observed = await LabProbeRunner.RunAsync(daemon.Pods, probes, CancellationToken.None).WaitAsync(TestTimeouts.Default);
        ConnectivityReport expected = daemon.Expect(probes);

        Assert.Empty(ConnectivityReport.Differences(observed, expected));
        ConnectivityProbe web = observed.Probes[0];
        Assert.Equal("TCP/web", web.Probe.ToString());
        Assert.True(web.Matrix["x/b"]["x/a"], "TCP/web x/b -> x/a (8080 there)");
        Assert.True(web.Matrix["x/a"]["x/b"], "TCP/web x/a -> x/b (9090 there)");
        Assert.True(web.Matrix["x/c"]["x/b"], "TCP/web x/c -> x/b");

        // The numbers behind the name differ per pod, and so does what the policy opens.
        Assert.True(observed.Probes[1].Matrix["x/b"]["x/a"], "TCP/8080 x/b -> x/a: a's web");
        Assert.False(observed.Probes[1].Matrix["x/a"]["x/b"], "TCP/8080 x/a -> x/b: not b's web");
        Assert.False(observed.Probes[2].Matrix["x/b"]["x/a"], "TCP/9090 x/b -> x/a: not a's web");
        Assert.True(observed.Probes[2].Matrix["x/a"]["x/b"], "TCP/9090 x/a -> x/b: b's web");
    }

    [NetnsFact]
    public async Task NamedProbe_ToAPodLackingTheName_IsNotProbed_NeverAllowedOrDenied()
    {
        await using LabFixture lab = new();
        WritePods(lab);
        LabDaemon daemon = await lab.StartAsync();
        LabProbe web = LabProbeSpec.Parse("TCP/web");

        ConnectivityReport observed = await LabProbeRunner.RunAsync(daemon.Pods, [web], CancellationToken.None).WaitAsync(TestTimeouts.Default);
        ConnectivityReport expected = daemon.Expect([web]);

        Assert.Null(observed.Probes[0].Matrix["x/a"]["x/c"]);
        Assert.Null(observed.Probes[0].Matrix["x/b"]["x/c"]);
        Assert.True(observed.Probes[0].Matrix["x/c"]["x/c"]);
        Assert.Contains("TCP/web: not probed: x/c declares no TCP port named 'web' (2 cells)", observed.Diagnostics);
        Assert.Null(expected.Probes[0].Matrix["x/a"]["x/c"]);

        // Under UDP the name is c's alone: the probe reaches c's 7070 (echoed by its listener), and a and b are not probed.
        ConnectivityReport udp = await LabProbeRunner.RunAsync(daemon.Pods, [LabProbeSpec.Parse("UDP/web")], CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.Null(udp.Probes[0].Matrix["x/c"]["x/a"]);
        Assert.False(udp.Probes[0].Matrix["x/a"]["x/c"], "UDP/web x/a -> x/c: the policy opens web for TCP only");
        Assert.Empty(ConnectivityReport.Differences(udp, daemon.Expect([LabProbeSpec.Parse("UDP/web")])));
    }

    [NetnsFact]
    public async Task PortNames_ReachLabProbe_ThroughTheStateFile_AndFollowTheFolder()
    {
        await using LabFixture lab = new();
        WritePods(lab);
        LabDaemon daemon = await lab.StartAsync();

        List<LabPod> fromState = [.. daemon.Store.ReadState()!.Pods.Select(p => p.ToLabPod())];
        Assert.Equal(daemon.Pods, fromState);
        LabPod b = Assert.Single(fromState, p => p.Pod.Name == "b");
        Assert.Equal(new LabPort(Npa.Resolver.Model.Protocol.Tcp, 9090), b.PortNamed("web", Npa.Resolver.Model.Protocol.Tcp));

        // Renaming b's port to "api" keeps its listeners but moves the name: TCP/web no longer resolves on b.
        lab.Write("pods.yaml",
            LabFixture.Pod("x", "a", "10.125.0.1,fd12:5::1", "{name: web, containerPort: 8080}") +
            LabFixture.Pod("x", "b", "10.125.0.2,fd12:5::2", "{name: api, containerPort: 9090}") +
            LabFixture.Pod("x", "c", "10.125.0.3", "{name: web, containerPort: 7070, protocol: UDP}"));
        await daemon.WaitProgrammedAsync(TestTimeouts.Default, CancellationToken.None).WaitAsync(TestTimeouts.Default);
        List<LabPod> renamed = [.. daemon.Store.ReadState()!.Pods.Select(p => p.ToLabPod())];
        List<LabProbe> probes = [LabProbeSpec.Parse("TCP/web"), LabProbeSpec.Parse("TCP/api")];

        ConnectivityReport observed = await LabProbeRunner.RunAsync(renamed, probes, CancellationToken.None).WaitAsync(TestTimeouts.Default);

        Assert.Null(observed.Probes[0].Matrix["x/a"]["x/b"]);
        Assert.False(observed.Probes[1].Matrix["x/a"]["x/b"], "TCP/api x/a -> x/b: the policy opens web, which b no longer declares");
        Assert.Empty(ConnectivityReport.Differences(observed, daemon.Expect(probes)));
    }
}
