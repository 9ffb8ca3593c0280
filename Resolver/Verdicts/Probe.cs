using Npa.Resolver.Model;

namespace Npa.Resolver.Verdicts;

/// <summary>A connection attempt to check: protocol and destination port, as a number or a name declared by the destination pod.</summary>
public sealed record Probe(Protocol Protocol, int? Port, string? PortName)
{
    public static Probe Tcp(int port) => new(Protocol.Tcp, port, null);

    /// <summary>Parses "TCP/80", "udp/53" or "TCP/serve-80-tcp".</summary>
    public static bool TryParse(string? text, out Probe probe, out string? error)
    {
        probe = Tcp(80);
        error = null;
        string[] parts = (text ?? "").Split('/');
        if (parts.Length != 2 || parts[1].Length == 0)
        {
            error = $"probe '{text}' must look like PROTOCOL/PORT, e.g. TCP/80 or TCP/http";
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
            error = $"probe '{text}': protocol '{parts[0]}' is not TCP, UDP or SCTP";
            return false;
        }

        string port = parts[1];
        if (port.All(char.IsAsciiDigit))
        {
            if (!int.TryParse(port, out int number) || number < 1 || number > 65535)
            {
                error = $"probe '{text}': port {port} is not in 1..65535";
                return false;
            }

            probe = new Probe(protocol.Value, number, null);
            return true;
        }

        if (port.Length > 15 || !port.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            error = $"probe '{text}': port '{port}' is neither a number nor a port name (lower-case letters, digits, '-', at most 15)";
            return false;
        }

        probe = new Probe(protocol.Value, null, port);
        return true;
    }

    public static Probe Parse(string text) =>
        TryParse(text, out Probe p, out string? error) ? p : throw new FormatException(error);

    public string ProtocolText => Protocol.ToString().ToUpperInvariant();

    public string PortText => PortName ?? Port?.ToString() ?? "";

    public override string ToString() => $"{ProtocolText}/{PortText}";
}
