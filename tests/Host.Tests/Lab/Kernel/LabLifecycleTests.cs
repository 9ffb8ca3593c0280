using Npa.Host.Cni;
using Npa.Host.Lab;
using Npa.Host.Lab.Output;
using Npa.Resolver.Model;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Lab.Kernel;

/// <summary>The lab on a small folder: three pods serving TCP, UDP and SCTP, built, probed and removed for real.</summary>
[Collection(LabCollection.Name)]
public class LabLifecycleTests
{
    private const string Ports = "{containerPort: 80}, {containerPort: 81, protocol: UDP}, {containerPort: 82, protocol: SCTP}";

    private static void WriteThreePods(LabFixture lab)
    {
        lab.Write("pods.yaml",
            LabFixture.Pod("x", "a", "10.123.0.1,fd12:3::1", Ports) +
            LabFixture.Pod("x", "b", "10.123.0.2,fd12:3::2", Ports) +
            LabFixture.Pod("y", "c", "10.123.0.3", Ports));
    }

    [NetnsFact]
    public async Task Up_WithoutPolicies_EveryPodReachesEveryPod_OnTcpUdpAndSctp()
    {
        await using LabFixture lab = new();
        WriteThreePods(lab);
        LabDaemon daemon = await lab.StartAsync();

        IReadOnlyList<LabProbe> probes = LabProbeRunner.DefaultProbes(daemon.Pods);
        ConnectivityReport report = await LabProbeRunner.RunAsync(daemon.Pods, probes, CancellationToken.None).WaitAsync(TestTimeouts.Default);

        Assert.Equal(["TCP/80", "UDP/81", "SCTP/82"], probes.Select(p => p.ToString()));
        Assert.Empty(report.Diagnostics);
        foreach (ConnectivityProbe probe in report.Probes)
        {
            Assert.Equal(3, probe.Matrix.Count);
            Assert.All(probe.Matrix.Values.SelectMany(row => row.Values), v => Assert.True(v));
        }
    }

    [NetnsFact]
    public async Task Up_WithADenyPolicy_TheSelectedPodIsUnreachable_OnEveryProtocol_AndTheOthersStayOpen()
    {
        await using LabFixture lab = new();
        WriteThreePods(lab);
        lab.Write("deny.yaml", """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              namespace: x
              name: deny-b
            spec:
              podSelector:
                matchLabels:
                  pod: b
              policyTypes: [Ingress]
            """);
        LabDaemon daemon = await lab.StartAsync();

        ConnectivityReport report = await LabProbeRunner.RunAsync(daemon.Pods, LabProbeRunner.DefaultProbes(daemon.Pods), CancellationToken.None).WaitAsync(TestTimeouts.Default);

        Assert.Equal(3, report.Probes.Count);
        foreach (ConnectivityProbe probe in report.Probes)
        {
            Assert.False(probe.Matrix["x/a"]["x/b"], $"{probe.Probe} x/a -> x/b");
            Assert.False(probe.Matrix["y/c"]["x/b"], $"{probe.Probe} y/c -> x/b");
            Assert.True(probe.Matrix["x/b"]["x/b"]);
            Assert.True(probe.Matrix["x/b"]["x/a"], $"{probe.Probe} x/b -> x/a");
            Assert.True(probe.Matrix["x/a"]["y/c"], $"{probe.Probe} x/a -> y/c");
        }

        lab.Delete("deny.yaml");
        await daemon.WaitProgrammedAsync(TestTimeouts.Default, CancellationToken.None).WaitAsync(TestTimeouts.Default);
        ConnectivityReport after = await LabProbeRunner.RunAsync(daemon.Pods, LabProbeRunner.DefaultProbes(daemon.Pods), CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.All(after.Probes, p => Assert.True(p.Matrix["x/a"]["x/b"], $"{p.Probe} x/a -> x/b after the policy is deleted"));
    }

    [NetnsFact]
    public async Task Up_Strict_EnforcesAsTheResolverSays_OncePoliciesAreProgrammed()
    {
        await using LabFixture lab = new();
        WriteThreePods(lab);
        lab.Write("deny.yaml", """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              namespace: x
              name: deny-b
            spec:
              podSelector:
                matchLabels:
                  pod: b
              policyTypes: [Ingress]
            """);
        LabDaemon daemon = await lab.StartAsync(strict: true);

        // Strict pods start denied; every pod, isolated or not, is open exactly as far as its programmed policy says.
        IReadOnlyList<LabProbe> probes = LabProbeRunner.DefaultProbes(daemon.Pods);
        ConnectivityReport observed = await LabProbeRunner.RunAsync(daemon.Pods, probes, CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.Empty(ConnectivityReport.Differences(observed, daemon.Expect(probes)));
        Assert.True(observed.Probes[0].Matrix["x/b"]["y/c"], "y/c is isolated by no policy");
        Assert.False(observed.Probes[0].Matrix["y/c"]["x/b"], "x/b is isolated by deny-b");
    }

    [NetnsFact]
    public async Task Up_GivesEachPodItsOwnNamespaceAndAnEksNamedHostVeth()
    {
        await using LabFixture lab = new();
        WriteThreePods(lab);
        LabDaemon daemon = await lab.StartAsync();

        string links = Npa.Host.Lab.Kernel.Shell.Ip(daemon.NodeNetns, "-o", "link", "show");
        foreach (LabPod pod in daemon.Pods)
        {
            Assert.Contains(pod.HostVeth + "@", links, StringComparison.Ordinal);
            Assert.Equal(HostVethName.For(pod.Pod.Namespace, pod.Pod.Name), pod.HostVeth);
            string addresses = Npa.Host.Lab.Kernel.Shell.Ip(pod.Netns, "-o", "addr", "show", "dev", "eth0");
            Assert.All(pod.Ips, ip => Assert.Contains(ip.ToString(), addresses, StringComparison.Ordinal));
        }

        Assert.Equal(4, lab.LeftoverNamespaces().Count);
    }

    [NetnsFact]
    public async Task Up_FollowsTheFolder_PodsComeAndGoWithTheirFiles()
    {
        await using LabFixture lab = new();
        WriteThreePods(lab);
        LabDaemon daemon = await lab.StartAsync();
        long before = daemon.Generation;

        lab.Write("late.yaml", LabFixture.Pod("z", "late", "10.123.0.9", "{containerPort: 8080}"));
        await daemon.WaitProgrammedAsync(TestTimeouts.Default, CancellationToken.None).WaitAsync(TestTimeouts.Default);
        LabPod late = Assert.Single(daemon.Pods, p => p.Pod == new ObjectRef("z", "late"));
        ConnectivityReport report = await LabProbeRunner.RunAsync(daemon.Pods, [new LabPort(Protocol.Tcp, 8080)], CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.True(report.Probes[0].Matrix["x/a"]["z/late"]);

        lab.Delete("late.yaml");
        await daemon.WaitProgrammedAsync(TestTimeouts.Default, CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.DoesNotContain(daemon.Pods, p => p.Pod == late.Pod);
        Assert.False(Npa.Host.Lab.Kernel.NetNamespace.Exists(late.Netns));
        Assert.True(daemon.Generation > before);
    }

    [NetnsFact]
    public async Task Down_RemovesEveryNamespaceAndTheStateDir_AndIsIdempotent()
    {
        await using LabFixture lab = new();
        WriteThreePods(lab);
        LabDaemon daemon = await lab.StartAsync();
        Assert.NotEmpty(lab.LeftoverNamespaces());
        Assert.NotNull(daemon.Store.ReadState());

        // As after a crashed 'up': the state is still recorded and the kernel objects still exist.
        LabTeardown.Result first = await LabTeardown.DownAsync(lab.StateDirectory, TimeSpan.FromSeconds(5), CancellationToken.None).WaitAsync(TestTimeouts.Default);
        LabTeardown.Result second = await LabTeardown.DownAsync(lab.StateDirectory, TimeSpan.FromSeconds(5), CancellationToken.None).WaitAsync(TestTimeouts.Default);

        Assert.Equal(daemon.LabId, first.LabId);
        Assert.Empty(lab.LeftoverNamespaces());
        Assert.False(Directory.Exists(lab.StateDirectory));
        Assert.False(Directory.Exists(daemon.BpfRoot));
        Assert.Null(second.LabId);
    }

    [NetnsFact]
    public async Task Dispose_LeavesNoNamespaceBehind()
    {
        LabFixture lab = new();
        WriteThreePods(lab);
        LabDaemon daemon = await lab.StartAsync();
        string bpfRoot = daemon.BpfRoot;
        string prefix = lab.Prefix;

        await daemon.DisposeAsync();

        Assert.Empty(lab.LeftoverNamespaces());
        Assert.False(Directory.Exists(bpfRoot));
        Assert.DoesNotContain(Npa.Host.Lab.Kernel.NetNamespace.List(prefix), _ => true);
        await lab.DisposeAsync();
    }

    [NetnsFact]
    public async Task Probe_ToAPortNoPodServes_IsUnsupported_NeverAllowedOrDenied()
    {
        await using LabFixture lab = new();
        WriteThreePods(lab);
        LabDaemon daemon = await lab.StartAsync();

        ConnectivityReport report = await LabProbeRunner.RunAsync(daemon.Pods, [new LabPort(Protocol.Udp, 5353)], CancellationToken.None).WaitAsync(TestTimeouts.Default);

        Assert.Null(report.Probes[0].Matrix["x/a"]["x/b"]);
        Assert.True(report.Probes[0].Matrix["x/a"]["x/a"]);
        Assert.Contains(report.Diagnostics, d => d.Contains("no UDP/5353 listener", StringComparison.Ordinal));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LabCollection
{
    public const string Name = "lab (network namespaces)";
}
