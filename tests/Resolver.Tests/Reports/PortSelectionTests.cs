using Npa.Resolver.Model;
using Npa.Resolver.Reports;

namespace Npa.Resolver.Tests.Reports;

public class PortSelectionTests
{
    [Theory]
    [InlineData("TCP/80", Protocol.Tcp, 80, 80, null, "TCP/80")]
    [InlineData("udp/53", Protocol.Udp, 53, 53, null, "UDP/53")]
    [InlineData("TCP/8000-8080", Protocol.Tcp, 8000, 8080, null, "TCP/8000-8080")]
    [InlineData("SCTP/*", Protocol.Sctp, 1, 65535, null, "SCTP/*")]
    [InlineData("TCP/http", Protocol.Tcp, 1, 65535, "http", "TCP/http")]
    public void Parses_NumbersRangesEveryPortAndNames(string text, Protocol protocol, int first, int last, string? name, string shown)
    {
        PortSelection port = PortSelection.Parse(text);
        Assert.Equal(new PortSelection(protocol, first, last, name), port);
        Assert.Equal(shown, port.ToString());
    }

    [Theory]
    [InlineData("80", "must look like PROTOCOL/PORT")]
    [InlineData("ICMP/8", "is not TCP, UDP or SCTP")]
    [InlineData("TCP/0", "1..65535")]
    [InlineData("TCP/65536", "1..65535")]
    [InlineData("TCP/90-80", "low-high")]
    [InlineData("TCP/Http", "neither a number")]
    [InlineData("TCP/80-", "neither a number")]
    public void Rejects_WithAReason(string text, string reason)
    {
        Assert.False(PortSelection.TryParse(text, out _, out string? error));
        Assert.Contains(reason, error);
    }
}
