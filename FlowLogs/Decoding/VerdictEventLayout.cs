namespace Npa.FlowLogs.Decoding;

/// <summary>Byte offsets of <c>struct npa_flow_event</c> (bpf/include/npa_event.h): 64 bytes, little endian.</summary>
public static class VerdictEventLayout
{
    public const int Size = 64;
    public const int TimestampNs = 0;
    public const int SourceIp = 8;
    public const int DestinationIp = 24;
    public const int SourcePort = 40;
    public const int DestinationPort = 42;
    public const int Protocol = 44;
    public const int Verdict = 45;
    public const int Direction = 46;
    public const int Family = 47;
    public const int RuleId = 48;
    public const int IfIndex = 52;
    public const int PacketLength = 56;
    public const int Reason = 60;
}
