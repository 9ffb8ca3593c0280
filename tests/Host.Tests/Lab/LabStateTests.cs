using System.Net;
using Npa.Host.Lab;
using Npa.Resolver.Model;

namespace Npa.Host.Tests.Lab;

public sealed class LabStateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("npa-labstate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static LabStateRecord State(params LabPodRecord[] pods) =>
        new("abc123", "npa", 1, "/m", "npa-abc123-node", "/sys/fs/bpf/npa-lab-abc123", "/f", "eBPF", pods);

    [Fact]
    public void Pods_KeepTheirPortNames_ThroughTheStateFile()
    {
        LabPod pod = new(new ObjectRef("x", "a"), "npa-abc123-x-a", "eni0123456789a", [IPAddress.Parse("10.1.0.1")],
            [new LabPort(Protocol.Tcp, 80), new LabPort(Protocol.Tcp, 8080)])
        {
            NamedPorts = [new LabNamedPort("serve-80-tcp", new LabPort(Protocol.Tcp, 80)), new LabNamedPort("web", new LabPort(Protocol.Tcp, 8080))],
        };
        LabStateStore store = new(_dir);

        store.WriteState(State(LabPodRecord.From(pod)));
        LabPod back = Assert.Single(store.ReadState()!.Pods).ToLabPod();

        Assert.Equal(pod, back);
        Assert.Equal(new LabPort(Protocol.Tcp, 8080), back.PortNamed("web", Protocol.Tcp));
        Assert.Contains("\"web=TCP/8080\"", File.ReadAllText(store.StatePath), StringComparison.Ordinal);
    }

    [Fact]
    public void AStateFileWithoutPortNames_IsStillRead_AndNumberedProbesStillRun_ButANamedProbeFailsNamingTheWayOut()
    {
        File.WriteAllText(Path.Combine(_dir, "state.json"), """
            {"labId":"old1","prefix":"npa","pid":1,"manifestDirectory":"/m","nodeNetns":"npa-old1-node","bpfRoot":"/sys/fs/bpf/npa-lab-old1",
             "flowLogDirectory":"/f","enforcer":"eBPF","pods":[{"pod":"x/a","netns":"npa-old1-x-a","hostVeth":"eni0123456789a","ips":["10.1.0.1"],"ports":["TCP/80"]}]}
            """);

        LabStateRecord state = new LabStateStore(_dir).ReadState()!;
        LabPod pod = Assert.Single(state.Pods).ToLabPod();

        Assert.Equal([new LabPort(Protocol.Tcp, 80)], pod.Ports);
        Assert.Empty(pod.NamedPorts);
        state.RequirePortNamesFor([LabProbeSpec.Parse("TCP/80")]);
        LabException e = Assert.Throws<LabException>(() => state.RequirePortNamesFor([LabProbeSpec.Parse("TCP/80"), LabProbeSpec.Parse("TCP/http")]));
        Assert.Contains("'TCP/http'", e.Message, StringComparison.Ordinal);
        Assert.Contains("npa lab down", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadNamedPortInTheStateFile_IsReportedWithItsPod()
    {
        LabPodRecord record = new("x/a", "n", "v", ["10.1.0.1"], ["TCP/80"], ["web"]);

        LabException e = Assert.Throws<LabException>(record.ToLabPod);

        Assert.Contains("pod x/a", e.Message, StringComparison.Ordinal);
        Assert.Contains("'web' is not NAME=PROTOCOL/PORT", e.Message, StringComparison.Ordinal);
    }
}
