using System.Buffers.Binary;
using MessagePack;

namespace Npa.Ingest.Journal;

/// <summary>Why reading frames stopped before the end of a file.</summary>
public enum FrameProblem
{
    None = 0,

    /// <summary>The file ends inside a frame header or payload (a write cut short).</summary>
    Torn = 1,

    /// <summary>The CRC-32C does not match the bytes.</summary>
    Checksum = 2,

    /// <summary>The length field is zero or larger than any record may be.</summary>
    BadLength = 3,

    /// <summary>The checksum matches but the payload is not a record.</summary>
    Undecodable = 4,

    /// <summary>The file header (magic and version) is missing or wrong.</summary>
    BadHeader = 5,
}

/// <summary>
/// The on-disk framing shared by segment and snapshot files. A file starts with an 8-byte header
/// (4-byte magic, little-endian u32 format version). Each frame is
/// <c>u32 length | u32 crc32c(length bytes ++ payload) | payload</c>, little endian, where the
/// payload is one MessagePack value.
/// </summary>
public static class JournalFraming
{
    public const int FileHeaderSize = 8;
    public const int FrameHeaderSize = 8;
    public const uint FormatVersion = 1;

    /// <summary>Upper bound for one payload; anything larger is treated as corruption.</summary>
    public const int MaxPayloadBytes = 64 * 1024 * 1024;

    public static ReadOnlySpan<byte> SegmentMagic => "NPAJ"u8;

    public static ReadOnlySpan<byte> SnapshotMagic => "NPAS"u8;

    public static byte[] FileHeader(ReadOnlySpan<byte> magic)
    {
        byte[] header = new byte[FileHeaderSize];
        magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), FormatVersion);
        return header;
    }

    public static bool IsValidHeader(ReadOnlySpan<byte> file, ReadOnlySpan<byte> magic) =>
        file.Length >= FileHeaderSize && file[..4].SequenceEqual(magic) &&
        BinaryPrimitives.ReadUInt32LittleEndian(file[4..]) == FormatVersion;

    /// <summary>One framed record, ready to append.</summary>
    public static byte[] FramePayload(ReadOnlySpan<byte> payload)
    {
        if (payload.Length is 0 or > MaxPayloadBytes)
        {
            throw new ArgumentException($"journal payload of {payload.Length} bytes is outside 1..{MaxPayloadBytes}", nameof(payload));
        }

        byte[] frame = new byte[FrameHeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(FrameHeaderSize));
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Checksum(frame.AsSpan(0, 4), payload));
        return frame;
    }

    public static byte[] FrameValue<T>(T value) => FramePayload(MessagePackSerializer.Serialize(value, JournalSerializer.Options));

    /// <summary>
    /// Reads frames from <paramref name="body"/> (the bytes after the file header) until the end or
    /// the first bad frame. <paramref name="validLength"/> is the length of the good prefix.
    /// </summary>
    public static List<T> ReadFrames<T>(ReadOnlyMemory<byte> body, out int validLength, out FrameProblem problem)
    {
        List<T> values = [];
        int offset = 0;
        problem = FrameProblem.None;
        while (offset < body.Length)
        {
            ReadOnlySpan<byte> rest = body.Span[offset..];
            if (rest.Length < FrameHeaderSize)
            {
                problem = FrameProblem.Torn;
                break;
            }

            uint length = BinaryPrimitives.ReadUInt32LittleEndian(rest);
            if (length is 0 or > MaxPayloadBytes)
            {
                problem = FrameProblem.BadLength;
                break;
            }

            if (rest.Length - FrameHeaderSize < length)
            {
                problem = FrameProblem.Torn;
                break;
            }

            ReadOnlySpan<byte> payload = rest.Slice(FrameHeaderSize, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]) != Checksum(rest[..4], payload))
            {
                problem = FrameProblem.Checksum;
                break;
            }

            T value;
            try
            {
                value = MessagePackSerializer.Deserialize<T>(body.Slice(offset + FrameHeaderSize, (int)length), JournalSerializer.Options);
            }
            catch (MessagePackSerializationException)
            {
                problem = FrameProblem.Undecodable;
                break;
            }

            values.Add(value);
            offset += FrameHeaderSize + (int)length;
        }

        validLength = offset;
        return values;
    }

    private static uint Checksum(ReadOnlySpan<byte> lengthBytes, ReadOnlySpan<byte> payload) => Crc32C.Compute(lengthBytes, payload);
}
