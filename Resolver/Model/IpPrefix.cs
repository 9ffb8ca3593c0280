using System.Net;
using System.Net.Sockets;

namespace Npa.Resolver.Model;

/// <summary>An IPv4 or IPv6 network in CIDR form, always normalised (host bits cleared).</summary>
public readonly record struct IpPrefix
{
    public IpPrefix(IPAddress address, int length)
    {
        ArgumentNullException.ThrowIfNull(address);
        int max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (length < 0 || length > max)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"prefix length must be 0..{max}");
        }

        Address = Mask(address, length);
        Length = length;
    }

    public IPAddress Address { get; }

    public int Length { get; }

    public bool IsIPv6 => Address.AddressFamily == AddressFamily.InterNetworkV6;

    public int MaxLength => IsIPv6 ? 128 : 32;

    /// <summary>A single host: /32 or /128.</summary>
    public static IpPrefix Host(IPAddress address) =>
        new(address, address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32);

    /// <summary>Parses "10.0.0.0/8", "fd00::/64" or a bare address (as a host prefix).</summary>
    public static bool TryParse(string? text, out IpPrefix prefix, out string? error)
    {
        prefix = default;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty";
            return false;
        }

        string s = text.Trim();
        int slash = s.IndexOf('/', StringComparison.Ordinal);
        string addrPart = slash < 0 ? s : s[..slash];
        if (!IPAddress.TryParse(addrPart, out IPAddress? addr) || addrPart.Contains('%', StringComparison.Ordinal))
        {
            error = $"'{text}' is not a valid IP address or CIDR";
            return false;
        }

        if (addr.IsIPv4MappedToIPv6)
        {
            addr = addr.MapToIPv4();
        }

        int max = addr.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        int len = max;
        if (slash >= 0)
        {
            string lenPart = s[(slash + 1)..];
            if (lenPart.Length == 0 || lenPart.Length > 3 || !lenPart.All(char.IsAsciiDigit) ||
                !int.TryParse(lenPart, out len) || len > max)
            {
                error = $"'{text}' has an invalid prefix length (must be 0..{max})";
                return false;
            }
        }

        prefix = new IpPrefix(addr, len);
        return true;
    }

    public static IpPrefix Parse(string text) =>
        TryParse(text, out IpPrefix p, out string? error) ? p : throw new FormatException($"CIDR {error}");

    /// <summary>True when <paramref name="address"/> lies inside this prefix.</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != Address.AddressFamily)
        {
            return false;
        }

        Span<byte> candidate = stackalloc byte[16];
        Span<byte> network = stackalloc byte[16];
        if (!address.TryWriteBytes(candidate, out int size) || !Address.TryWriteBytes(network, out _))
        {
            return false;
        }

        int full = Length / 8;
        if (!candidate[..full].SequenceEqual(network[..full]))
        {
            return false;
        }

        int rest = Length % 8;
        if (rest == 0 || full >= size)
        {
            return true;
        }

        byte mask = (byte)(0xFF << (8 - rest));
        return (candidate[full] & mask) == network[full];
    }

    /// <summary>True when every address of <paramref name="other"/> lies inside this prefix.</summary>
    public bool Contains(IpPrefix other) =>
        other.IsIPv6 == IsIPv6 && other.Length >= Length && Contains(other.Address);

    public override string ToString() => $"{Address}/{Length}";

    private static IPAddress Mask(IPAddress address, int length)
    {
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        if (length == (v6 ? 128 : 32) && (!v6 || address.ScopeId == 0))
        {
            // A host prefix keeps the address object itself: nothing to clear, and its cached text is reused.
            return address;
        }

        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int bitsHere = Math.Clamp(length - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bitsHere));
        }

        return new IPAddress(bytes);
    }
}
