using System.Text.RegularExpressions;

namespace Npa.Ingest.Translation;

/// <summary>Kubernetes label key and value syntax (qualified names, DNS-1123 subdomain prefixes).</summary>
internal static partial class LabelSyntax
{
    [GeneratedRegex("^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")]
    private static partial Regex NamePart();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    public static bool CheckKey(string key, string field, FieldErrors errors)
    {
        string name = key;
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            string prefix = key[..slash];
            name = key[(slash + 1)..];
            if (prefix.Length == 0 || prefix.Length > 253 || !DnsSubdomain().IsMatch(prefix))
            {
                errors.Error(field, $"label key '{key}' has an invalid prefix (must be a DNS subdomain)");
                return false;
            }
        }

        if (name.Length == 0 || name.Length > 63 || !NamePart().IsMatch(name))
        {
            errors.Error(field, $"label key '{key}' is invalid (name part: 1-63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric)");
            return false;
        }

        return true;
    }

    public static bool CheckValue(string value, string field, FieldErrors errors)
    {
        if (value.Length > 63 || !NamePart().IsMatch(value))
        {
            errors.Error(field, $"label value '{value}' is invalid (at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric)");
            return false;
        }

        return true;
    }

    public static bool IsDnsLabel(string name) => name.Length is > 0 and <= 63 && DnsLabel().IsMatch(name);

    public static bool IsDnsSubdomain(string name) => name.Length is > 0 and <= 253 && DnsSubdomain().IsMatch(name);

    /// <summary>IANA_SVC_NAME: 1-15 chars of [a-z0-9-], at least one letter, no leading, trailing or double '-'.</summary>
    public static bool IsPortName(string name) =>
        name.Length is > 0 and <= 15 &&
        name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') &&
        name.Any(c => c is >= 'a' and <= 'z') &&
        !name.StartsWith('-') && !name.EndsWith('-') && !name.Contains("--", StringComparison.Ordinal);
}
