using System.Text.Json.Nodes;
using Npa.Resolver.Model;

namespace Npa.Ingest.Translation;

/// <summary>
/// Collects diagnostics for one object while it is translated, so every message names the
/// object's kind, namespace/name and the field path.
/// </summary>
internal sealed class FieldErrors(string kind, string? ns, string name)
{
    private readonly List<Diagnostic> _items = [];

    public string Kind { get; } = kind;

    public string? Namespace { get; } = ns;

    public string Name { get; } = name;

    public bool HasErrors => _items.Any(d => d.Severity == DiagnosticSeverity.Error);

    public IReadOnlyList<Diagnostic> Items => _items;

    public void Error(string field, string message) => _items.Add(Diagnostic.Error(Kind, Namespace, Name, field, message));

    public void Warning(string field, string message) => _items.Add(Diagnostic.Warning(Kind, Namespace, Name, field, message));

    /// <summary>Reads an optional string; anything but a string or null is an error.</summary>
    public string? OptionalString(JsonNode? node, string field)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue(out string? s))
        {
            return s;
        }

        Error(field, $"must be a string, got {Describe(node)}");
        return null;
    }

    /// <summary>Reads an optional integer; anything but an integral number or null is an error.</summary>
    public long? OptionalInteger(JsonNode? node, string field)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v)
        {
            if (v.TryGetValue(out long l))
            {
                return l;
            }

            // A tree built in memory (rather than parsed) holds an int as an int, which TryGetValue<long> refuses.
            if (v.TryGetValue(out int i))
            {
                return i;
            }

            if (v.TryGetValue(out double d) && Math.Floor(d) == d && Math.Abs(d) < 1e15)
            {
                return (long)d;
            }
        }

        Error(field, $"must be an integer, got {Describe(node)}");
        return null;
    }

    /// <summary>
    /// Adds the address in <paramref name="text"/> to <paramref name="into"/> unless it is already there.
    /// Absent (null or empty) is fine; anything but a bare IP address is an error. IPv4-mapped IPv6
    /// addresses are kept as IPv4. <paramref name="ignore"/> names a literal meaning "no address" (a
    /// headless Service's "None").
    /// </summary>
    public void AddAddress(string? text, string field, List<System.Net.IPAddress> into, string? ignore = null)
    {
        if (string.IsNullOrEmpty(text) || text == ignore)
        {
            return;
        }

        if (!System.Net.IPAddress.TryParse(text, out System.Net.IPAddress? ip) || text.Contains('/', StringComparison.Ordinal))
        {
            Error(field, $"'{text}' is not a valid IP address");
            return;
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        if (!into.Contains(ip))
        {
            into.Add(ip);
        }
    }

    public bool? OptionalBool(JsonNode? node, string field)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v)
        {
            if (v.TryGetValue(out bool b))
            {
                return b;
            }

            if (v.TryGetValue(out string? s) && bool.TryParse(s, out b))
            {
                return b;
            }
        }

        Error(field, $"must be a boolean, got {Describe(node)}");
        return null;
    }

    /// <summary>Reads an optional array; null when absent or of the wrong type (the latter is an error).</summary>
    public JsonArray? OptionalArray(JsonNode? node, string field)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonArray a)
        {
            return a;
        }

        Error(field, $"must be a list, got {Describe(node)}");
        return null;
    }

    public JsonObject? OptionalObject(JsonNode? node, string field)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonObject o)
        {
            return o;
        }

        Error(field, $"must be an object, got {Describe(node)}");
        return null;
    }

    /// <summary>A map of string to string (labels, selectors); non-string values are errors.</summary>
    public Dictionary<string, string> StringMap(JsonNode? node, string field)
    {
        Dictionary<string, string> map = new(StringComparer.Ordinal);
        JsonObject? obj = OptionalObject(node, field);
        if (obj is null)
        {
            return map;
        }

        foreach (KeyValuePair<string, JsonNode?> kv in obj)
        {
            string? value = kv.Value switch
            {
                null => "",
                JsonValue v when v.TryGetValue(out string? s) => s,
                JsonValue v when v.TryGetValue(out bool b) => b ? "true" : "false",
                JsonValue v when v.TryGetValue(out long l) => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => null,
            };
            if (value is null)
            {
                Error($"{field}.{kv.Key}", $"must be a string, got {Describe(kv.Value)}");
                continue;
            }

            map[kv.Key] = value;
        }

        return map;
    }

    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "a list",
        JsonValue v when v.TryGetValue(out string? s) => $"'{s}'",
        _ => node.ToJsonString(),
    };
}
