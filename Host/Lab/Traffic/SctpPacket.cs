using System.Buffers.Binary;
using System.Numerics;

namespace Npa.Host.Lab.Traffic;

/// <summary>
/// Just enough SCTP (RFC 9260) to probe through raw sockets on a kernel without SCTP sockets: an INIT
/// from the prober and an INIT ACK from the listener, each a common header plus one chunk with a valid
/// CRC32c checksum, so both directions cross the datapath as real SCTP packets.
/// </summary>
public static class SctpPacket
{
    public const int ProtocolNumber = 132;
    public const byte ChunkInit = 1;
    public const byte ChunkInitAck = 2;
    private const int CommonHeaderLength = 12;

    /// <summary>A parsed packet: ports, verification tag, first chunk type and (for INIT/INIT ACK) the initiate tag.</summary>
    public readonly record struct Header(ushort SourcePort, ushort DestinationPort, uint VerificationTag, byte ChunkType, uint InitiateTag);

    /// <summary>INIT: verification tag 0, our initiate tag, one stream each way.</summary>
    public static byte[] Init(ushort sourcePort, ushort destinationPort, uint initiateTag) =>
        Build(sourcePort, destinationPort, 0, ChunkInit, initiateTag, cookie: false);

    /// <summary>INIT ACK answering an INIT: tagged with the peer's initiate tag, carrying a small state cookie.</summary>
    public static byte[] InitAck(ushort sourcePort, ushort destinationPort, uint peerInitiateTag, uint ourInitiateTag) =>
        Build(sourcePort, destinationPort, peerInitiateTag, ChunkInitAck, ourInitiateTag, cookie: true);

    /// <summary>Parses an SCTP packet (no IP header); false when it is too short or its checksum is wrong.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out Header header)
    {
        header = default;
        if (packet.Length < CommonHeaderLength + 4)
        {
            return false;
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(packet[8..]);
        if (stored != Checksum(packet))
        {
            return false;
        }

        byte type = packet[CommonHeaderLength];
        uint initiate = packet.Length >= CommonHeaderLength + 8 && (type == ChunkInit || type == ChunkInitAck)
            ? BinaryPrimitives.ReadUInt32BigEndian(packet[(CommonHeaderLength + 4)..])
            : 0;
        header = new Header(
            BinaryPrimitives.ReadUInt16BigEndian(packet),
            BinaryPrimitives.ReadUInt16BigEndian(packet[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            type,
            initiate);
        return true;
    }

    /// <summary>Removes an IPv4 header (raw IPv4 sockets deliver it; raw IPv6 sockets do not).</summary>
    public static ReadOnlySpan<byte> StripIPv4Header(ReadOnlySpan<byte> datagram) =>
        datagram.Length > 0 && (datagram[0] >> 4) == 4 ? datagram[((datagram[0] & 0x0F) * 4)..] : datagram;

    /// <summary>CRC32c over the packet with the checksum field taken as zero, in the byte order SCTP stores it.</summary>
    public static uint Checksum(ReadOnlySpan<byte> packet)
    {
        uint crc = 0xFFFFFFFF;
        for (int i = 0; i < packet.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, i is >= 8 and < 12 ? (byte)0 : packet[i]);
        }

        return ~crc;
    }

    private static byte[] Build(ushort sourcePort, ushort destinationPort, uint verificationTag, byte chunkType, uint initiateTag, bool cookie)
    {
        const int FixedChunk = 20;
        int cookieLength = cookie ? 8 : 0;
        byte[] p = new byte[CommonHeaderLength + FixedChunk + cookieLength];
        Span<byte> s = p;
        BinaryPrimitives.WriteUInt16BigEndian(s, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(s[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(s[4..], verificationTag);
        Span<byte> c = s[CommonHeaderLength..];
        c[0] = chunkType;
        c[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(c[2..], (ushort)(FixedChunk + cookieLength));
        BinaryPrimitives.WriteUInt32BigEndian(c[4..], initiateTag);
        BinaryPrimitives.WriteUInt32BigEndian(c[8..], 65536); // advertised receiver window
        BinaryPrimitives.WriteUInt16BigEndian(c[12..], 1);    // outbound streams
        BinaryPrimitives.WriteUInt16BigEndian(c[14..], 1);    // inbound streams
        BinaryPrimitives.WriteUInt32BigEndian(c[16..], initiateTag); // initial TSN
        if (cookie)
        {
            BinaryPrimitives.WriteUInt16BigEndian(c[20..], 7); // State Cookie parameter
            BinaryPrimitives.WriteUInt16BigEndian(c[22..], 8);
            BinaryPrimitives.WriteUInt32BigEndian(c[24..], initiateTag ^ verificationTag);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], Checksum(p));
        return p;
    }
}
