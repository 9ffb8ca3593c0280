using System.Runtime.InteropServices;

namespace Npa.Enforcer.Maps;

// Mirrors of bpf/include/npa_maps.h and npa_event.h. A layout test checks every size against the
// BTF of the compiled object, so C and C# cannot drift apart silently.

/// <summary>enum npa_mode: what a pod's direction does with a packet that no conntrack entry covers.</summary>
public enum PodDirectionMode : byte
{
    Unknown = 0,
    Allow = 1,
    Enforce = 2,
    StrictStart = 3,
    StandardStart = 4,
}

/// <summary>Indexes of the per-CPU counters in npa_stats_v1.</summary>
public enum EnforcerStat
{
    IngressAllow = 0,
    IngressDeny = 1,
    EgressAllow = 2,
    EgressDeny = 3,
    RingBufferDrops = 4,
    ConntrackHits = 5,
    Events = 6,
    FragmentUnknown = 7,
    IngressDenyBytes = 8,
    EgressDenyBytes = 9,
}

[StructLayout(LayoutKind.Sequential)]
internal struct NpaPodState
{
    public uint PodId;
    public PodDirectionMode IngressMode;
    public PodDirectionMode EgressMode;
    public ushort Flags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NpaLpm4Key
{
    public uint PrefixLen;
    public uint PodId;
    public fixed byte Addr[4];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NpaLpm6Key
{
    public uint PrefixLen;
    public uint PodId;
    public fixed byte Addr[16];
}

[StructLayout(LayoutKind.Sequential)]
internal struct NpaPortKey
{
    public uint PrefixLen;
    public uint PodId;
    public uint SetId;
    public byte Protocol;
    public byte Pad;
    public ushort PortBigEndian;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NpaCtKey
{
    public uint PodId;
    public byte Direction;
    public byte Protocol;
    public byte Family;
    public byte Pad;
    public ushort SrcPort;
    public ushort DstPort;
    public fixed byte Src[16];
    public fixed byte Dst[16];
}

[StructLayout(LayoutKind.Sequential)]
internal struct NpaCtValue
{
    public ulong LastSeenNs;
    public uint RuleId;
    public uint Reason;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NpaPodRecord
{
    public const int KeyBytes = 248;
    public uint IfIndex;
    public uint Flags;
    public fixed byte Key[KeyBytes];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NpaRuleName
{
    public const int TextBytes = 256;
    public fixed byte Text[TextBytes];
}

/// <summary>struct npa_flow_event: the 64-byte verdict event of npa_events_v1.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct NpaFlowEvent
{
    public ulong TsNs;
    public fixed byte SrcIp[16];
    public fixed byte DstIp[16];
    public ushort SrcPort;
    public ushort DstPort;
    public byte Protocol;
    public byte Verdict;
    public byte Direction;
    public byte Family;
    public uint RuleId;
    public uint IfIndex;
    public uint PacketLen;
    public uint Reason;
}
