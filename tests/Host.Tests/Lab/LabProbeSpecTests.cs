using Npa.Host.Lab;
using Npa.Resolver.Model;

namespace Npa.Host.Tests.Lab;

public class LabProbeSpecTests
{
    [Theory]
    [InlineData("TCP/80", Protocol.Tcp, 80)]
    [InlineData("udp/53", Protocol.Udp, 53)]
    [InlineData("SCTP/9000", Protocol.Sctp, 9000)]
    [InlineData("TCP/65535", Protocol.Tcp, 65535)]
    public void Parse_ANumber_IsANumberedProbe(string text, Protocol protocol, int port)
    {
        LabProbe probe = LabProbeSpec.Parse(text);

        Assert.Equal(LabProbe.Number(new LabPort(protocol, port)), probe);
        Assert.False(probe.IsNamed);
        Assert.Equal(port, probe.Port);
    }

    [Theory]
    [InlineData("TCP/http", Protocol.Tcp, "http")]
    [InlineData("TCP/serve-80-tcp", Protocol.Tcp, "serve-80-tcp")]
    [InlineData("udp/dns", Protocol.Udp, "dns")]
    [InlineData("SCTP/serve-81-sctp", Protocol.Sctp, "serve-81-sctp")]
    [InlineData("TCP/8o", Protocol.Tcp, "8o")]
    [InlineData("TCP/abcdefghijklmno", Protocol.Tcp, "abcdefghijklmno")]
    public void Parse_APortName_IsANamedProbe_LabelledAsGiven(string text, Protocol protocol, string name)
    {
        LabProbe probe = LabProbeSpec.Parse(text);

        Assert.Equal(LabProbe.Named(protocol, name), probe);
        Assert.True(probe.IsNamed);
        Assert.Null(probe.Port);
        Assert.Equal($"{protocol.ToString().ToUpperInvariant()}/{name}", probe.ToString());
    }

    [Theory]
    [InlineData("80", "is not PROTOCOL/PORT")]
    [InlineData("TCP/80/1", "is not PROTOCOL/PORT")]
    [InlineData("ICMP/1", "protocol 'ICMP'")]
    [InlineData("TCP/", "no port after '/'")]
    [InlineData("TCP/0", "port '0' is not a number in 1..65535")]
    [InlineData("TCP/65536", "port '65536' is not a number in 1..65535")]
    [InlineData("TCP/HTTP", "'H' is not a lower-case letter, a digit or '-'")]
    [InlineData("TCP/web_1", "'_' is not a lower-case letter")]
    [InlineData("TCP/-1", "port '-1' is not a number in 1..65535")]
    [InlineData("TCP/-web", "begins or ends with '-'")]
    [InlineData("TCP/http-", "begins or ends with '-'")]
    [InlineData("TCP/a--b", "has '--'")]
    [InlineData("TCP/80-81", "has no letter")]
    [InlineData("TCP/abcdefghijklmnop", "16 characters, more than 15")]
    public void Parse_RejectsBadInputNamingWhatIsWrong(string text, string named)
    {
        LabException e = Assert.Throws<LabException>(() => LabProbeSpec.Parse(text));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParsePort_TakesNumbersOnly()
    {
        Assert.Equal(new LabPort(Protocol.Udp, 53), LabProbeSpec.ParsePort("UDP/53"));
        Assert.Throws<LabException>(() => LabProbeSpec.ParsePort("TCP/http"));
    }

    [Fact]
    public void NamedProbe_ResolvesOnEachDestination_ToTheLowestPortOfThatNameAndProtocol()
    {
        LabPod a = Pod("a", new LabNamedPort("web", new LabPort(Protocol.Tcp, 8081)), new LabNamedPort("web", new LabPort(Protocol.Tcp, 8080)));
        LabPod b = Pod("b", new LabNamedPort("web", new LabPort(Protocol.Udp, 9090)));
        LabProbe web = LabProbeSpec.Parse("TCP/web");

        Assert.Equal(new LabPort(Protocol.Tcp, 8080), web.On(a));
        Assert.Null(web.On(b));
        Assert.Equal(new LabPort(Protocol.Udp, 9090), LabProbeSpec.Parse("UDP/web").On(b));
        Assert.Equal(new LabPort(Protocol.Tcp, 80), LabProbeSpec.Parse("TCP/80").On(b));
    }

    [Fact]
    public void NamedProbe_IsTheResolversProbe()
    {
        Assert.Equal(Npa.Resolver.Verdicts.Probe.Parse("TCP/serve-80-tcp"), LabProbeSpec.Parse("TCP/serve-80-tcp").ToResolverProbe());
        Assert.Equal(Npa.Resolver.Verdicts.Probe.Parse("UDP/53"), LabProbeSpec.Parse("UDP/53").ToResolverProbe());
    }

    [Fact]
    public void Probes_OrderNumbersFirst_ThenNames()
    {
        string[] ordered = [.. new[] { "TCP/web", "UDP/53", "TCP/80", "TCP/api" }.Select(LabProbeSpec.Parse).Order().Select(p => p.ToString())];

        Assert.Equal(["TCP/80", "UDP/53", "TCP/api", "TCP/web"], ordered);
    }

    private static LabPod Pod(string name, params LabNamedPort[] named) =>
        new(new ObjectRef("x", name), "ns-" + name, "veth-" + name, [], []) { NamedPorts = named };
}
