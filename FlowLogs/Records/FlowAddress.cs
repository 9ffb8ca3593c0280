using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Npa.FlowLogs.Records;

/// <summary>
/// An IPv4 or IPv6 address held by value (no allocation), bytes in network order. IPv4 uses the
/// first four bytes. Formats itself straight into UTF-8.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct FlowAddress : IEquatable<FlowAddress>
{
    private readonly ulong _high; // bytes 0..7 as big-endian
    private readonly ulong _low;  // bytes 8..15 as big-endian

    private FlowAddress(byte family, ulong high, ulong low)
    {
        Family = family;
        _high = high;
        _low = low;
    }

    /// <summary>4 or 6; 0 for the default value.</summary>
    public byte Family { get; }

    public static FlowAddress FromBytes(byte family, ReadOnlySpan<byte> sixteen)
    {
        if (family != 4 && family != 6)
        {
            throw new ArgumentException($"address family must be 4 or 6, got {family}", nameof(family));
        }

        if (sixteen.Length < 16)
        {
            throw new ArgumentException($"an address needs 16 bytes, got {sixteen.Length}", nameof(sixteen));
        }

        ulong high = BinaryPrimitives.ReadUInt64BigEndian(sixteen);
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(sixteen[8..]);
        if (family == 4)
        {
            high &= 0xFFFF_FFFF_0000_0000UL;
            low = 0;
        }

        return new FlowAddress(family, high, low);
    }

    public static FlowAddress FromIPAddress(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Clear();
        address.TryWriteBytes(bytes, out _);
        return FromBytes(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? (byte)6 : (byte)4, bytes);
    }

    public static FlowAddress Parse(string text) => FromIPAddress(IPAddress.Parse(text));

    public void WriteBytes(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteBytes(bytes);
        return Family == 4 ? new IPAddress(bytes[..4]) : new IPAddress(bytes);
    }

    /// <summary>Writes the textual form as UTF-8; IPv4 by hand, IPv6 through <see cref="IPAddress"/>.</summary>
    public bool TryFormatUtf8(Span<byte> destination, out int written)
    {
        if (Family == 4)
        {
            written = 0;
            uint v = (uint)(_high >> 32);
            for (int i = 3; i >= 0; i--)
            {
                uint octet = (v >> (i * 8)) & 0xFF;
                if (!octet.TryFormat(destination[written..], out int n))
                {
                    return false;
                }

                written += n;
                if (i > 0)
                {
                    if (written >= destination.Length)
                    {
                        return false;
                    }

                    destination[written++] = (byte)'.';
                }
            }

            return true;
        }

        if (Family == 6)
        {
            return ToIPAddress().TryFormat(destination, out written);
        }

        written = 0;
        return true;
    }

    public override string ToString()
    {
        Span<byte> buffer = stackalloc byte[64];
        return TryFormatUtf8(buffer, out int n) ? System.Text.Encoding.ASCII.GetString(buffer[..n]) : string.Empty;
    }

    public bool Equals(FlowAddress other) => Family == other.Family && _high == other._high && _low == other._low;

    public override bool Equals(object? obj) => obj is FlowAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Family, _high, _low);

    public static bool operator ==(FlowAddress left, FlowAddress right) => left.Equals(right);

    public static bool operator !=(FlowAddress left, FlowAddress right) => !left.Equals(right);
}
