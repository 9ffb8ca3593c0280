using System.Buffers.Binary;
using System.Net;
using Npa.Resolver.Model;

namespace Npa.Enforcer.Tests.Kernel;

/// <summary>Crafted Ethernet frames for BPF_PROG_TEST_RUN (checksums are not checked by the programs).</summary>
internal static class Packets
{
    public static byte[] Build(IPAddress src, IPAddress dst, Protocol protocol, int srcPort, int dstPort,
        byte icmpType = 8, byte[]? ipv4Options = null, ushort fragment = 0, ushort ipId = 1, byte[]? l4Override = null)
    {
        byte[] l4 = l4Override ?? L4(protocol, srcPort, dstPort, icmpType, src.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6);
        return src.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? Ipv6(src, dst, (byte)protocol, l4)
            : Ipv4(src, dst, (byte)protocol, l4, ipv4Options ?? [], fragment, ipId);
    }

    public static byte[] L4(Protocol protocol, int srcPort, int dstPort, byte icmpType = 8, bool v6 = false)
    {
        switch (protocol)
        {
            case Protocol.Tcp:
            {
                byte[] tcp = new byte[20];
                BinaryPrimitives.WriteUInt16BigEndian(tcp, (ushort)srcPort);
                BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), (ushort)dstPort);
                tcp[12] = 0x50;
                tcp[13] = 0x02; // SYN
                return tcp;
            }

            case Protocol.Udp:
            case Protocol.Sctp:
            {
                byte[] h = new byte[protocol == Protocol.Udp ? 8 : 12];
                BinaryPrimitives.WriteUInt16BigEndian(h, (ushort)srcPort);
                BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)dstPort);
                return h;
            }

            default:
            {
                byte[] icmp = new byte[8];
                icmp[0] = icmpType;
                BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(4), (ushort)srcPort); // echo identifier
                return icmp;
            }
        }
    }

    public static byte[] Ipv4(IPAddress src, IPAddress dst, byte protocol, byte[] l4, byte[] options, ushort fragment = 0, ushort ipId = 1)
    {
        int ihl = 20 + options.Length;
        byte[] frame = new byte[14 + ihl + l4.Length];
        Ethernet(frame, 0x0800);
        Span<byte> ip = frame.AsSpan(14);
        ip[0] = (byte)(0x40 | (ihl / 4));
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(ihl + l4.Length));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], ipId);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], fragment);
        ip[8] = 64;
        ip[9] = protocol;
        src.GetAddressBytes().CopyTo(ip[12..]);
        dst.GetAddressBytes().CopyTo(ip[16..]);
        options.CopyTo(ip[20..]);
        l4.CopyTo(ip[ihl..]);
        return frame;
    }

    public static byte[] Ipv6(IPAddress src, IPAddress dst, byte nextHeader, byte[] payload)
    {
        byte[] frame = new byte[14 + 40 + payload.Length];
        Ethernet(frame, 0x86DD);
        Span<byte> ip = frame.AsSpan(14);
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)payload.Length);
        ip[6] = nextHeader;
        ip[7] = 64;
        src.GetAddressBytes().CopyTo(ip[8..]);
        dst.GetAddressBytes().CopyTo(ip[24..]);
        payload.CopyTo(ip[40..]);
        return frame;
    }

    private static void Ethernet(byte[] frame, ushort etherType)
    {
        frame[0] = 0x02;
        frame[6] = 0x02;
        frame[11] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), etherType);
    }
}
