using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Npa.Host.Verbs;

/// <summary>
/// Options that parse the way the EKS components' Go flags do, so chart arguments carry over:
/// booleans given alone (<c>--x</c>), with a value (<c>--x=true</c>, <c>--x false</c>) or as
/// strings the chart stores (<c>"True"</c>, <c>"1"</c>); durations as Go writes them (<c>15s</c>, <c>1m30s</c>).
/// </summary>
internal static class GoFlags
{
    public static Option<bool> Bool(string name, string description, bool defaultValue = false) => new(name)
    {
        Description = $"{description} (default {(defaultValue ? "true" : "false")})",
        Arity = ArgumentArity.ZeroOrOne,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            if (result.Tokens.Count == 0)
            {
                return true;
            }

            string text = result.Tokens[0].Value;
            if (TryParseBool(text, out bool value))
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a boolean (true or false)");
            return false;
        },
    };

    public static Option<int> Int(string name, string description, int defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
    };

    public static Option<string> String(string name, string description, string defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
    };

    public static Option<TimeSpan> Duration(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
            if (TryParseDuration(text, out TimeSpan value))
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a duration (e.g. 15s, 1m30s, 500ms)");
            return defaultValue;
        },
    };

    public static bool TryParseBool(string? text, out bool value)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "true" or "t" or "1":
                value = true;
                return true;
            case "false" or "f" or "0":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>Go's time.ParseDuration for the units flags use: h, m, s, ms.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        string s = text?.Trim() ?? "";
        if (s.Length == 0)
        {
            return false;
        }

        int i = 0;
        while (i < s.Length)
        {
            int start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(s[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n))
            {
                return false;
            }

            int unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            TimeSpan? unit = s[unitStart..i] switch
            {
                "h" => TimeSpan.FromHours(1),
                "m" => TimeSpan.FromMinutes(1),
                "s" => TimeSpan.FromSeconds(1),
                "ms" => TimeSpan.FromMilliseconds(1),
                _ => null,
            };
            if (unit is null)
            {
                return false;
            }

            value += unit.Value * n;
        }

        return true;
    }
}
