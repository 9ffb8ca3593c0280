using Npa.Resolver.Model;

namespace Npa.Ingest.Translation;

/// <summary>Protocol names as the Kubernetes API spells them.</summary>
public static class ProtocolNames
{
    public static Protocol Parse(string? text) => text switch
    {
        "TCP" => Protocol.Tcp,
        "UDP" => Protocol.Udp,
        "SCTP" => Protocol.Sctp,
        _ => Protocol.Unknown,
    };

    public static string Format(Protocol protocol) => protocol switch
    {
        Protocol.Tcp => "TCP",
        Protocol.Udp => "UDP",
        Protocol.Sctp => "SCTP",
        Protocol.Icmp => "ICMP",
        Protocol.IcmpV6 => "ICMPv6",
        _ => ((int)protocol).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
