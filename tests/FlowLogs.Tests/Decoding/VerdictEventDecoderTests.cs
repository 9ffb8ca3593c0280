using Npa.FlowLogs.Decoding;
using Npa.FlowLogs.Records;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Tests.Decoding;

public class VerdictEventDecoderTests
{
    // Unix time at monotonic zero: 2023-05-30T16:00:00Z.
    private static readonly long Offset = (new DateTime(2023, 5, 30, 16, 0, 0, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks * 100;
    private readonly VerdictEventDecoder _decoder = new(Offset);

    [Fact]
    public void Ipv4DeniedIngress_DecodesEveryField()
    {
        byte[] bytes = VerdictEventBytes.Build(332_573_000_000, "192.168.87.155", "10.0.1.20", 38971, 53, 17, verdict: 2, direction: 1, ruleId: 0, ifindex: 12, packetLen: 74, reason: 2);

        Assert.True(_decoder.TryDecode(bytes, out FlowRecord r, out string? error), error);

        Assert.Equal(new DateTime(2023, 5, 30, 16, 5, 32, 573, DateTimeKind.Utc), r.Timestamp);
        Assert.Equal("192.168.87.155", r.Source.ToString());
        Assert.Equal("10.0.1.20", r.Destination.ToString());
        Assert.Equal(4, r.Source.Family);
        Assert.Equal((ushort)38971, r.SourcePort);
        Assert.Equal((ushort)53, r.DestinationPort);
        Assert.Equal((byte)Protocol.Udp, r.Protocol);
        Assert.Equal(FlowVerdict.Deny, r.Verdict);
        Assert.Equal(Direction.Ingress, r.Direction);
        Assert.Equal(FlowReason.NoRule, r.Reason);
        Assert.Equal(12u, r.IfIndex);
        Assert.Equal(74u, r.PacketLength);
        Assert.Equal(1, r.Count);
    }

    [Fact]
    public void Ipv6AllowedEgress_KeepsAllSixteenBytesAndTheRuleId()
    {
        byte[] bytes = VerdictEventBytes.Build(1_000_000, "fd00:10:244::7", "2001:db8::1:0:0:1", 50000, 443, 6, verdict: 1, direction: 2, ruleId: 4242, reason: 1);

        Assert.True(_decoder.TryDecode(bytes, out FlowRecord r, out string? error), error);

        Assert.Equal(6, r.Source.Family);
        Assert.Equal("fd00:10:244::7", r.Source.ToString());
        Assert.Equal("2001:db8::1:0:0:1", r.Destination.ToString());
        Assert.Equal(FlowVerdict.Allow, r.Verdict);
        Assert.Equal(Direction.Egress, r.Direction);
        Assert.Equal(FlowReason.Rule, r.Reason);
        Assert.Equal(4242u, r.RuleId);
    }

    public static TheoryData<byte, FlowVerdict> Verdicts => new() { { 0, FlowVerdict.Unknown }, { 1, FlowVerdict.Allow }, { 2, FlowVerdict.Deny } };

    [Theory]
    [MemberData(nameof(Verdicts))]
    public void EachVerdict_Decodes(byte raw, FlowVerdict expected)
    {
        Assert.True(_decoder.TryDecode(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 1, 2, 6, raw, 1), out FlowRecord r, out _));
        Assert.Equal(expected, r.Verdict);
    }

    public static TheoryData<byte, Direction> Directions => new() { { 0, Direction.Unknown }, { 1, Direction.Ingress }, { 2, Direction.Egress } };

    [Theory]
    [MemberData(nameof(Directions))]
    public void EachDirection_Decodes(byte raw, Direction expected)
    {
        Assert.True(_decoder.TryDecode(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 1, 2, 6, 2, raw), out FlowRecord r, out _));
        Assert.Equal(expected, r.Direction);
    }

    public static TheoryData<uint, FlowReason> Reasons => new()
    {
        { 0, FlowReason.Unknown }, { 1, FlowReason.Rule }, { 2, FlowReason.NoRule }, { 3, FlowReason.NotIsolated },
        { 4, FlowReason.StrictStart }, { 5, FlowReason.StandardStart }, { 6, FlowReason.Conntrack }, { 99, FlowReason.Unknown },
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void EachReason_Decodes_UnknownValuesBecomeUnknown(uint raw, FlowReason expected)
    {
        Assert.True(_decoder.TryDecode(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 1, 2, 6, 2, 1, reason: raw), out FlowRecord r, out _));
        Assert.Equal(expected, r.Reason);
    }

    [Fact]
    public void ShortEvent_IsRejectedNamingTheSize()
    {
        byte[] bytes = VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 1, 2, 6, 2, 1)[..40];
        Assert.False(_decoder.TryDecode(bytes, out _, out string? error));
        Assert.Contains("40 bytes", error);
    }

    [Fact]
    public void UnknownFamily_IsRejected()
    {
        Assert.False(_decoder.TryDecode(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 1, 2, 6, 2, 1, family: 9), out _, out string? error));
        Assert.Contains("family is 9", error);
    }

    [Fact]
    public void OutOfRangeVerdictOrDirection_IsRejected()
    {
        Assert.False(_decoder.TryDecode(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 1, 2, 6, 7, 1), out _, out string? verdictError));
        Assert.Contains("verdict is 7", verdictError);
        Assert.False(_decoder.TryDecode(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 1, 2, 6, 2, 5), out _, out string? directionError));
        Assert.Contains("direction is 5", directionError);
    }

    [Fact]
    public void Ipv4Event_IgnoresBytesAfterTheFirstFour()
    {
        byte[] bytes = VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 1, 2, 6, 2, 1);
        bytes[12] = 0xEE; // garbage in the unused tail of src_ip
        Assert.True(_decoder.TryDecode(bytes, out FlowRecord r, out _));
        Assert.Equal(FlowAddress.Parse("10.0.0.1"), r.Source);
    }

    [Fact]
    public void Encode_IsTheInverseOfDecode()
    {
        byte[] original = VerdictEventBytes.Build(5_000_123_400, "fd00::1", "fd00::2", 1234, 8080, 132, 1, 2, ruleId: 9, ifindex: 3, packetLen: 1500, reason: 1);
        Assert.True(_decoder.TryDecode(original, out FlowRecord r, out _));
        byte[] again = new byte[64];
        _decoder.Encode(r, again);
        Assert.Equal(original, again);
    }
}
