using System.Text.Json;
using Npa.FlowLogs.Formatting;

namespace Npa.FlowLogs.Viewing;

/// <summary>One flow-log line read back (for <c>npa flows</c>): every field optional except what identifies the flow.</summary>
public sealed record FlowLogEntry(
    string Timestamp,
    string Verdict,
    string? Direction,
    string SourceIp,
    int? SourcePort,
    string DestinationIp,
    int? DestinationPort,
    string Protocol,
    string? Node,
    string? SourceNamespace,
    string? SourcePod,
    string? DestinationNamespace,
    string? DestinationPod,
    string? Policy,
    string? Rule,
    IReadOnlyList<string> IsolatingPolicies,
    int Count)
{
    /// <summary>Parses one line; returns null (and why) when it is not a flow-log object.</summary>
    public static FlowLogEntry? TryParse(string line, out string? error)
    {
        error = null;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object || !r.TryGetProperty(FlowLogFields.Verdict, out _) || !r.TryGetProperty(FlowLogFields.SourceIp, out _))
            {
                error = "not a flow log object (no Verdict or Src IP)";
                return null;
            }

            List<string> isolating = [];
            if (r.TryGetProperty(FlowLogFields.IsolatingPolicies, out JsonElement iso) && iso.ValueKind == JsonValueKind.Array)
            {
                isolating.AddRange(iso.EnumerateArray().Select(e => e.GetString() ?? ""));
            }

            return new FlowLogEntry(
                Str(r, FlowLogFields.Timestamp) ?? "",
                Str(r, FlowLogFields.Verdict) ?? "",
                Str(r, FlowLogFields.Direction),
                Str(r, FlowLogFields.SourceIp) ?? "",
                Int(r, FlowLogFields.SourcePort),
                Str(r, FlowLogFields.DestinationIp) ?? "",
                Int(r, FlowLogFields.DestinationPort),
                r.TryGetProperty(FlowLogFields.Protocol, out JsonElement p) ? (p.ValueKind == JsonValueKind.String ? p.GetString()! : p.ToString()) : "",
                Str(r, FlowLogFields.Node),
                Str(r, FlowLogFields.SourceNamespace),
                Str(r, FlowLogFields.SourcePod),
                Str(r, FlowLogFields.DestinationNamespace),
                Str(r, FlowLogFields.DestinationPod),
                Str(r, FlowLogFields.Policy),
                Str(r, FlowLogFields.Rule),
                isolating,
                Int(r, FlowLogFields.Count) ?? 1);
        }
        catch (JsonException ex)
        {
            error = $"not JSON: {ex.Message}";
            return null;
        }
    }

    /// <summary>True when the pod ("namespace/name") is the source or destination.</summary>
    public bool Involves(string namespacedPod)
    {
        int slash = namespacedPod.IndexOf('/');
        string ns = slash < 0 ? "" : namespacedPod[..slash];
        string name = slash < 0 ? namespacedPod : namespacedPod[(slash + 1)..];
        return (SourcePod == name && (ns.Length == 0 || SourceNamespace == ns))
            || (DestinationPod == name && (ns.Length == 0 || DestinationNamespace == ns));
    }

    private static string? Str(JsonElement r, string name) =>
        r.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement r, string name) =>
        r.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : null;
}
