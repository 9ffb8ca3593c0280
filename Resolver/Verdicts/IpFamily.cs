using System.Net.Sockets;

namespace Npa.Resolver.Verdicts;

/// <summary>
/// Which address family a verdict is decided for. <see cref="Any"/> (the default) allows a connection when
/// some family both pods have allows it, IPv4 first; <see cref="IPv4"/> and <see cref="IPv6"/> look at that
/// family only, so a dual-stack policy gap (an ipBlock for one family only) shows.
/// </summary>
public enum IpFamily
{
    Unknown = 0,
    Any = 1,
    IPv4 = 2,
    IPv6 = 3,
}

/// <summary>Text and address-family forms of <see cref="IpFamily"/>.</summary>
public static class IpFamilies
{
    /// <summary>Parses "any", "ipv4" or "ipv6" (any case).</summary>
    public static bool TryParse(string? text, out IpFamily family)
    {
        family = (text ?? "").ToLowerInvariant() switch
        {
            "any" => IpFamily.Any,
            "ipv4" => IpFamily.IPv4,
            "ipv6" => IpFamily.IPv6,
            _ => IpFamily.Unknown,
        };
        return family != IpFamily.Unknown;
    }

    /// <summary>"any", "ipv4" or "ipv6": the form flags and JSON use.</summary>
    public static string ToText(this IpFamily family) => family switch
    {
        IpFamily.Any => "any",
        IpFamily.IPv4 => "ipv4",
        IpFamily.IPv6 => "ipv6",
        _ => "unknown",
    };

    /// <summary>The address families a verdict for <paramref name="family"/> tries, in order.</summary>
    public static IReadOnlyList<AddressFamily> AddressFamilies(this IpFamily family) => family switch
    {
        IpFamily.Any => [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6],
        IpFamily.IPv4 => [AddressFamily.InterNetwork],
        IpFamily.IPv6 => [AddressFamily.InterNetworkV6],
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "not an address family choice"),
    };
}
