using Npa.Resolver.Model;

namespace Npa.Resolver.Reports;

/// <summary>
/// The ports one expectation is about, for one protocol: a number ("TCP/6379"), a range ("TCP/8000-8080"),
/// every port ("TCP/*") or a port name the destination pod declares ("TCP/http").
/// </summary>
public sealed record PortSelection(Protocol Protocol, int FirstPort, int LastPort, string? Name)
{
    /// <summary>Every port of every protocol: what an expectation without <c>ports</c> checks.</summary>
    public static IReadOnlyList<PortSelection> Every { get; } =
        [new(Protocol.Tcp, 1, 65535, null), new(Protocol.Udp, 1, 65535, null), new(Protocol.Sctp, 1, 65535, null)];

    /// <summary>Parses "TCP/80", "udp/53", "TCP/8000-8080", "TCP/*" or "TCP/http".</summary>
    public static bool TryParse(string? text, out PortSelection selection, out string? error)
    {
        selection = new PortSelection(Protocol.Tcp, 1, 65535, null);
        error = null;
        string[] parts = (text ?? "").Split('/');
        if (parts.Length != 2 || parts[1].Length == 0)
        {
            error = $"'{text}' must look like PROTOCOL/PORT: TCP/80, TCP/8000-8080, TCP/* or TCP/http";
            return false;
        }

        Protocol? protocol = parts[0].ToUpperInvariant() switch
        {
            "TCP" => Protocol.Tcp,
            "UDP" => Protocol.Udp,
            "SCTP" => Protocol.Sctp,
            _ => null,
        };
        if (protocol is null)
        {
            error = $"'{text}': protocol '{parts[0]}' is not TCP, UDP or SCTP";
            return false;
        }

        string port = parts[1];
        if (port == "*")
        {
            selection = new PortSelection(protocol.Value, 1, 65535, null);
            return true;
        }

        string[] bounds = port.Split('-');
        if (bounds.All(b => b.Length > 0 && b.All(char.IsAsciiDigit)) && bounds.Length is 1 or 2)
        {
            if (!int.TryParse(bounds[0], out int first) || !int.TryParse(bounds[^1], out int last) || first < 1 || last > 65535 || last < first)
            {
                error = $"'{text}': ports must be in 1..65535, a range written low-high";
                return false;
            }

            selection = new PortSelection(protocol.Value, first, last, null);
            return true;
        }

        if (port.Length > 15 || !port.Any(char.IsAsciiLetterLower) || !port.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            error = $"'{text}': port '{port}' is neither a number, a range, '*' nor a port name (lower-case letters, digits, '-', at most 15)";
            return false;
        }

        selection = new PortSelection(protocol.Value, 1, 65535, port);
        return true;
    }

    public static PortSelection Parse(string text) =>
        TryParse(text, out PortSelection p, out string? error) ? p : throw new FormatException(error);

    public override string ToString()
    {
        string protocol = Protocol.ToString().ToUpperInvariant();
        return Name is not null ? $"{protocol}/{Name}"
            : FirstPort == 1 && LastPort == 65535 ? $"{protocol}/*"
            : FirstPort == LastPort ? $"{protocol}/{FirstPort}"
            : $"{protocol}/{FirstPort}-{LastPort}";
    }
}
