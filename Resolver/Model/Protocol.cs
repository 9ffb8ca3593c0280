namespace Npa.Resolver.Model;

/// <summary>Transport protocol of a rule or a packet. Values are IANA protocol numbers; 0 means unknown.</summary>
public enum Protocol : byte
{
    Unknown = 0,
    Icmp = 1,
    Tcp = 6,
    Udp = 17,
    IcmpV6 = 58,
    Sctp = 132,
}
