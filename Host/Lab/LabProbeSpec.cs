using System.Globalization;
using Npa.Resolver.Model;

namespace Npa.Host.Lab;

/// <summary>Parses probe specs such as <c>TCP/80</c>, <c>udp/53</c>, <c>SCTP/9000</c>.</summary>
public static class LabProbeSpec
{
    public static LabPort Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length != 2)
        {
            throw new LabException($"probe '{text}' is not PROTOCOL/PORT (e.g. TCP/80)");
        }

        Protocol protocol = parts[0].Trim().ToUpperInvariant() switch
        {
            "TCP" => Protocol.Tcp,
            "UDP" => Protocol.Udp,
            "SCTP" => Protocol.Sctp,
            _ => throw new LabException($"probe '{text}': protocol '{parts[0]}' is not TCP, UDP or SCTP"),
        };
        if (!int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new LabException($"probe '{text}': port '{parts[1]}' is not a number in 1..65535");
        }

        return new LabPort(protocol, port);
    }
}
