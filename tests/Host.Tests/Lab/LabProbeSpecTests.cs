using Npa.Host.Lab;
using Npa.Resolver.Model;

namespace Npa.Host.Tests.Lab;

public class LabProbeSpecTests
{
    [Theory]
    [InlineData("TCP/80", Protocol.Tcp, 80)]
    [InlineData("udp/53", Protocol.Udp, 53)]
    [InlineData("SCTP/9000", Protocol.Sctp, 9000)]
    public void Parse_ReadsProtocolAndPort(string text, Protocol protocol, int port)
    {
        Assert.Equal(new LabPort(protocol, port), LabProbeSpec.Parse(text));
    }

    [Theory]
    [InlineData("80", "PROTOCOL/PORT")]
    [InlineData("ICMP/1", "protocol 'ICMP'")]
    [InlineData("TCP/0", "port '0'")]
    [InlineData("TCP/http", "port 'http'")]
    public void Parse_RejectsBadInputNamingWhatIsWrong(string text, string named)
    {
        LabException e = Assert.Throws<LabException>(() => LabProbeSpec.Parse(text));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }
}
