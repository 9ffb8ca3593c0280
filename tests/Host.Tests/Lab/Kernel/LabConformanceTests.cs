using Npa.Host.Lab;
using Npa.Host.Lab.Output;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Lab.Kernel;

/// <summary>
/// The upstream-style scenarios of the resolver's cases (namespaces x, y, z with pods a, b, c serving 80
/// and 81 on TCP, UDP and SCTP under the names serve-&lt;port&gt;-&lt;proto&gt;), run for real: the matrix
/// observed in the lab, through the eBPF enforcer, equals the resolver's matrix for each probe of the
/// case, numbered (TCP/80) or named (UDP/serve-80-udp) as the case writes it.
/// </summary>
[Collection(LabCollection.Name)]
public class LabConformanceTests
{
    public static TheoryData<string> Cases { get; } =
    [
        "default-deny-all",
        "deny-ingress-from-other-namespaces",
        "ingress-based-on-ports-udp",
        "pod-in-other-namespace-by-both-selectors-sctp",
        "egress-denied-on-client-side-although-server-allows",
        "ingress-on-one-named-port",
        "named-port-probe-resolved-on-destination",
    ];

    [NetnsTheory]
    [MemberData(nameof(Cases))]
    public async Task ObservedMatrix_EqualsTheResolversMatrix(string caseName)
    {
        string cases = LocateCases();
        await using LabFixture lab = new();
        File.Copy(Path.Combine(cases, "cluster.yaml"), Path.Combine(lab.Manifests, "00-cluster.yaml"));
        foreach (string f in Directory.GetFiles(Path.Combine(cases, caseName), "*.yaml"))
        {
            File.Copy(f, Path.Combine(lab.Manifests, "10-" + Path.GetFileName(f)));
        }

        LabDaemon daemon = await lab.StartAsync();
        List<LabProbe> probes = [.. File.ReadLines(Path.Combine(cases, caseName, "expected.txt"))
            .Select(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(w => w.Length == 2 && w[0] == "probe")
            .Select(w => LabProbeSpec.Parse(w[1]))];
        Assert.NotEmpty(probes);

        ConnectivityReport observed = await LabProbeRunner.RunAsync(daemon.Pods, probes, CancellationToken.None).WaitAsync(TestTimeouts.Default);
        ConnectivityReport expected = daemon.Expect(probes);

        Assert.Equal(9, daemon.Pods.Count);
        Assert.Equal(probes.Select(p => p.ToString()), observed.Probes.Select(p => p.Probe.ToString()));
        Assert.Empty(ConnectivityReport.Differences(observed, expected));
    }

    private static string LocateCases()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "Resolver.Tests", "Cases");
            if (File.Exists(Path.Combine(candidate, "cluster.yaml")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("tests/Resolver.Tests/Cases not found above " + AppContext.BaseDirectory);
    }
}
