using System.Globalization;
using Npa.Resolver.Model;

namespace Npa.Host.Lab;

/// <summary>
/// Parses probe specs: <c>TCP/80</c>, <c>udp/53</c>, <c>SCTP/9000</c> (a number), or <c>TCP/serve-80-tcp</c>
/// (a container port name, resolved on each destination pod).
/// </summary>
public static class LabProbeSpec
{
    /// <summary>The longest port name Kubernetes accepts (IANA_SVC_NAME).</summary>
    public const int MaxPortNameLength = 15;

    public static LabProbe Parse(string text)
    {
        (Protocol protocol, string port) = Split(text);
        if (port.All(char.IsAsciiDigit))
        {
            return LabProbe.Number(new LabPort(protocol, Number(text, port)));
        }

        if (PortNameError(port) is { } error)
        {
            throw new LabException($"probe '{text}': port '{port}' is not a number in 1..65535, and not a port name: {error}");
        }

        return LabProbe.Named(protocol, port);
    }

    /// <summary>A served port, numbered only (as <c>state.json</c> records listeners): <c>TCP/80</c>.</summary>
    public static LabPort ParsePort(string text)
    {
        (Protocol protocol, string port) = Split(text);
        if (!port.All(char.IsAsciiDigit))
        {
            throw new LabException($"port '{text}': '{port}' is not a number in 1..65535");
        }

        return new LabPort(protocol, Number(text, port));
    }

    /// <summary>
    /// Why <paramref name="name"/> is not a port name by the IANA_SVC_NAME rules Kubernetes applies
    /// (lower-case letters, digits and '-'; at most 15; at least one letter; no '-' at either end or twice in
    /// a row), or null when it is one.
    /// </summary>
    public static string? PortNameError(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length > MaxPortNameLength)
        {
            return $"it has {name.Length} characters, more than {MaxPortNameLength}";
        }

        if (name.FirstOrDefault(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')) is var bad and not '\0')
        {
            return $"'{bad}' is not a lower-case letter, a digit or '-'";
        }

        if (!name.Any(char.IsAsciiLetterLower))
        {
            return "it has no letter";
        }

        if (name.StartsWith('-') || name.EndsWith('-'))
        {
            return "it begins or ends with '-'";
        }

        if (name.Contains("--", StringComparison.Ordinal))
        {
            return "it has '--'";
        }

        return null;
    }

    private static (Protocol Protocol, string Port) Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('/');
        if (parts.Length != 2)
        {
            throw new LabException($"probe '{text}' is not PROTOCOL/PORT (e.g. TCP/80 or TCP/http)");
        }

        Protocol protocol = parts[0].Trim().ToUpperInvariant() switch
        {
            "TCP" => Protocol.Tcp,
            "UDP" => Protocol.Udp,
            "SCTP" => Protocol.Sctp,
            _ => throw new LabException($"probe '{text}': protocol '{parts[0]}' is not TCP, UDP or SCTP"),
        };
        string port = parts[1].Trim();
        if (port.Length == 0)
        {
            throw new LabException($"probe '{text}': no port after '/' (a number in 1..65535 or a port name)");
        }

        return (protocol, port);
    }

    private static int Number(string text, string port) =>
        int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 65535
            ? n
            : throw new LabException($"probe '{text}': port '{port}' is not a number in 1..65535");
}
