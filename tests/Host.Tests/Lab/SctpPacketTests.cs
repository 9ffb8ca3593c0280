using System.Buffers.Binary;
using Npa.Host.Lab.Traffic;

namespace Npa.Host.Tests.Lab;

public class SctpPacketTests
{
    [Fact]
    public void Checksum_IsCrc32c_MatchingTheIscsiTestVectors()
    {
        // RFC 3720 B.4: 32 bytes of zeros -> 0x8A9136AA, 32 bytes of 0xFF -> 0x62A8AB43.
        Assert.Equal(0x8A9136AAu, SctpPacket.Checksum(new byte[32]));
        byte[] ones = Enumerable.Repeat((byte)0xFF, 32).ToArray();
        ones[8] = ones[9] = ones[10] = ones[11] = 0; // the checksum field itself is taken as zero
        Assert.Equal(SctpPacket.Checksum(ones), SctpPacket.Checksum(ones.Select((b, i) => i is >= 8 and < 12 ? (byte)0x5A : b).ToArray()));
    }

    [Fact]
    public void Init_CarriesPortsZeroTagAndInitiateTag()
    {
        byte[] init = SctpPacket.Init(40000, 9000, 0xCAFE);

        Assert.True(SctpPacket.TryParse(init, out SctpPacket.Header h));
        Assert.Equal((ushort)40000, h.SourcePort);
        Assert.Equal((ushort)9000, h.DestinationPort);
        Assert.Equal(0u, h.VerificationTag);
        Assert.Equal(SctpPacket.ChunkInit, h.ChunkType);
        Assert.Equal(0xCAFEu, h.InitiateTag);
    }

    [Fact]
    public void InitAck_IsTaggedWithThePeersInitiateTag()
    {
        byte[] ack = SctpPacket.InitAck(9000, 40000, peerInitiateTag: 0xCAFE, ourInitiateTag: 7);

        Assert.True(SctpPacket.TryParse(ack, out SctpPacket.Header h));
        Assert.Equal(SctpPacket.ChunkInitAck, h.ChunkType);
        Assert.Equal(0xCAFEu, h.VerificationTag);
        Assert.Equal((ushort)9000, h.SourcePort);
        Assert.Equal((ushort)40000, h.DestinationPort);
    }

    [Fact]
    public void TryParse_RejectsACorruptedPacket()
    {
        byte[] init = SctpPacket.Init(1, 2, 3);
        init[^1] ^= 1;

        Assert.False(SctpPacket.TryParse(init, out _));
    }

    [Fact]
    public void StripIPv4Header_SkipsIhlWords()
    {
        byte[] sctp = SctpPacket.Init(1, 2, 3);
        byte[] datagram = new byte[24 + sctp.Length];
        datagram[0] = 0x46; // version 4, IHL 6 (24 bytes, with options)
        sctp.CopyTo(datagram, 24);

        Assert.Equal(sctp, SctpPacket.StripIPv4Header(datagram).ToArray());
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(SctpPacket.StripIPv4Header(datagram)));
    }
}
