using System.Buffers.Binary;
using System.Net;

namespace Npa.FlowLogs.Tests.Decoding;

/// <summary>Builds <c>struct npa_flow_event</c> bytes field by field, following bpf/include/npa_event.h.</summary>
internal static class VerdictEventBytes
{
    public static byte[] Build(
        ulong tsNs, string src, string dst, ushort srcPort, ushort dstPort, byte protocol,
        byte verdict, byte direction, uint ruleId = 0, uint ifindex = 7, uint packetLen = 60, uint reason = 0, byte? family = null)
    {
        byte[] b = new byte[64];
        IPAddress s = IPAddress.Parse(src);
        IPAddress d = IPAddress.Parse(dst);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(0), tsNs);
        s.GetAddressBytes().CopyTo(b, 8);
        d.GetAddressBytes().CopyTo(b, 24);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(40), srcPort);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(42), dstPort);
        b[44] = protocol;
        b[45] = verdict;
        b[46] = direction;
        b[47] = family ?? (s.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? (byte)6 : (byte)4);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(48), ruleId);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(52), ifindex);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(56), packetLen);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(60), reason);
        return b;
    }
}
