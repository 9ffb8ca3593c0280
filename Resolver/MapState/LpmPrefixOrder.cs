using System.Buffers.Binary;
using Npa.Resolver.Model;

namespace Npa.Resolver.MapState;

/// <summary>Prefix arithmetic on 128-bit integers (IPv4 uses the low 32 bits) for the LPM compiler.</summary>
public static class LpmPrefixOrder
{
    /// <summary>IPv4 before IPv6, then by address, then shorter first: a pre-order walk of the prefix tree.</summary>
    public static int Compare(IpPrefix a, IpPrefix b)
    {
        int c = a.IsIPv6.CompareTo(b.IsIPv6);
        if (c != 0)
        {
            return c;
        }

        c = ToInteger(a.Address).CompareTo(ToInteger(b.Address));
        return c != 0 ? c : a.Length.CompareTo(b.Length);
    }

    /// <summary>The address as a big-endian integer, without allocating.</summary>
    public static UInt128 ToInteger(System.Net.IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        return address.TryWriteBytes(bytes, out int written) ? ToInteger(bytes[..written]) : UInt128.Zero;
    }

    public static UInt128 ToInteger(ReadOnlySpan<byte> address) =>
        address.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(address) : BinaryPrimitives.ReadUInt128BigEndian(address);

    /// <summary>True when the prefix (value, length) of a width-bit family contains address.</summary>
    public static bool Contains(UInt128 prefix, int length, int width, UInt128 address) =>
        length == 0 || ((prefix ^ address) >> (width - length)) == UInt128.Zero;
}
