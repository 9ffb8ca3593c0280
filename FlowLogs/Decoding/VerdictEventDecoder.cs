using System.Buffers.Binary;
using Npa.FlowLogs.Records;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Decoding;

/// <summary>
/// Pure decoder: the bytes of one <c>struct npa_flow_event</c> to a <see cref="FlowRecord"/>. Event times
/// are CLOCK_MONOTONIC nanoseconds; one offset (taken once at start, see <see cref="MonotonicClock"/>)
/// turns them into wall-clock time, so decoding needs no clock.
/// </summary>
public sealed class VerdictEventDecoder
{
    private readonly long _monotonicToUnixNs;

    /// <param name="monotonicToUnixNs">Unix time in ns at CLOCK_MONOTONIC zero (wall now minus monotonic now).</param>
    public VerdictEventDecoder(long monotonicToUnixNs)
    {
        _monotonicToUnixNs = monotonicToUnixNs;
    }

    /// <summary>Decodes one event. On bad input returns false and names what was wrong.</summary>
    public bool TryDecode(ReadOnlySpan<byte> data, out FlowRecord record, out string? error)
    {
        record = default;
        if (data.Length < VerdictEventLayout.Size)
        {
            error = $"verdict event is {data.Length} bytes; struct npa_flow_event is {VerdictEventLayout.Size}";
            return false;
        }

        byte family = data[VerdictEventLayout.Family];
        if (family != 4 && family != 6)
        {
            error = $"verdict event family is {family}; expected 4 or 6";
            return false;
        }

        byte verdict = data[VerdictEventLayout.Verdict];
        if (verdict > (byte)FlowVerdict.Deny)
        {
            error = $"verdict event verdict is {verdict}; expected 0 (unknown), 1 (allow) or 2 (deny)";
            return false;
        }

        byte direction = data[VerdictEventLayout.Direction];
        if (direction > (byte)Direction.Egress)
        {
            error = $"verdict event direction is {direction}; expected 0 (unknown), 1 (ingress) or 2 (egress)";
            return false;
        }

        ulong ts = BinaryPrimitives.ReadUInt64LittleEndian(data[VerdictEventLayout.TimestampNs..]);
        long unixNs = _monotonicToUnixNs + (long)ts;
        uint reason = BinaryPrimitives.ReadUInt32LittleEndian(data[VerdictEventLayout.Reason..]);

        record = new FlowRecord
        {
            Timestamp = DateTime.UnixEpoch.AddTicks(unixNs / 100),
            Source = FlowAddress.FromBytes(family, data.Slice(VerdictEventLayout.SourceIp, 16)),
            Destination = FlowAddress.FromBytes(family, data.Slice(VerdictEventLayout.DestinationIp, 16)),
            SourcePort = BinaryPrimitives.ReadUInt16LittleEndian(data[VerdictEventLayout.SourcePort..]),
            DestinationPort = BinaryPrimitives.ReadUInt16LittleEndian(data[VerdictEventLayout.DestinationPort..]),
            Protocol = data[VerdictEventLayout.Protocol],
            Verdict = (FlowVerdict)verdict,
            Direction = (Direction)direction,
            Reason = reason <= (uint)FlowReason.Conntrack ? (FlowReason)reason : FlowReason.Unknown,
            RuleId = BinaryPrimitives.ReadUInt32LittleEndian(data[VerdictEventLayout.RuleId..]),
            IfIndex = BinaryPrimitives.ReadUInt32LittleEndian(data[VerdictEventLayout.IfIndex..]),
            PacketLength = BinaryPrimitives.ReadUInt32LittleEndian(data[VerdictEventLayout.PacketLength..]),
            Count = 1,
        };
        error = null;
        return true;
    }

    /// <summary>Encodes a record back into event bytes: the inverse of <see cref="TryDecode"/>, for tests and benchmarks.</summary>
    public void Encode(in FlowRecord record, Span<byte> destination)
    {
        if (destination.Length < VerdictEventLayout.Size)
        {
            throw new ArgumentException($"destination needs {VerdictEventLayout.Size} bytes", nameof(destination));
        }

        destination[..VerdictEventLayout.Size].Clear();
        long unixNs = (record.Timestamp.ToUniversalTime() - DateTime.UnixEpoch).Ticks * 100;
        BinaryPrimitives.WriteUInt64LittleEndian(destination[VerdictEventLayout.TimestampNs..], (ulong)(unixNs - _monotonicToUnixNs));
        record.Source.WriteBytes(destination.Slice(VerdictEventLayout.SourceIp, 16));
        record.Destination.WriteBytes(destination.Slice(VerdictEventLayout.DestinationIp, 16));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[VerdictEventLayout.SourcePort..], record.SourcePort);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[VerdictEventLayout.DestinationPort..], record.DestinationPort);
        destination[VerdictEventLayout.Protocol] = record.Protocol;
        destination[VerdictEventLayout.Verdict] = (byte)record.Verdict;
        destination[VerdictEventLayout.Direction] = (byte)record.Direction;
        destination[VerdictEventLayout.Family] = record.Source.Family;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[VerdictEventLayout.RuleId..], record.RuleId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[VerdictEventLayout.IfIndex..], record.IfIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[VerdictEventLayout.PacketLength..], record.PacketLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[VerdictEventLayout.Reason..], (uint)record.Reason);
    }
}
