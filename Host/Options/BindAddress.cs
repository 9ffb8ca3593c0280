using System.Globalization;
using System.Net;

namespace Npa.Host.Options;

/// <summary>
/// A listen address as the EKS agent's flags write it: <c>:8162</c> (every interface),
/// <c>127.0.0.1:8162</c>, <c>[::1]:8162</c> or a bare port <c>8162</c>. Port 0 picks a free port.
/// </summary>
public readonly record struct BindAddress(IPAddress Address, int Port)
{
    public static bool TryParse(string? text, out BindAddress value, out string error)
    {
        value = default;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty";
            return false;
        }

        string s = text.Trim();
        int colon = s.LastIndexOf(':');
        string host = colon < 0 ? "" : s[..colon];
        string port = colon < 0 ? s : s[(colon + 1)..];
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number > 65535)
        {
            error = $"'{text}' has no valid port (expected [host]:port, port 0-65535)";
            return false;
        }

        IPAddress address = IPAddress.Any;
        if (host.Length > 0)
        {
            string bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
            if (bare == "localhost")
            {
                address = IPAddress.Loopback;
            }
            else if (!IPAddress.TryParse(bare, out address!))
            {
                error = $"'{text}' has no valid IP address before the port";
                return false;
            }
        }

        value = new BindAddress(address, number);
        return true;
    }

    public static BindAddress Parse(string text) =>
        TryParse(text, out BindAddress value, out string error) ? value : throw new FormatException($"bind address {error}");

    public override string ToString() => $"{Address}:{Port}";
}
