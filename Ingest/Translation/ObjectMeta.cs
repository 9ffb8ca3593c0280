using System.Text.Json.Nodes;

namespace Npa.Ingest.Translation;

/// <summary>The parts of metadata every translator reads.</summary>
internal sealed record ObjectMeta(string Kind, string? Namespace, string Name, string Uid, string ResourceVersion, JsonObject? Metadata)
{
    /// <summary>
    /// Reads kind, metadata.name and metadata.namespace. Returns null (with an error) when the object
    /// has no name, since nothing can identify it.
    /// </summary>
    public static ObjectMeta? Read(JsonObject obj, string kind, bool namespaced, string source, List<Resolver.Model.Diagnostic> sink)
    {
        JsonObject? metadata = obj["metadata"] as JsonObject;
        string? name = (metadata?["name"] as JsonValue)?.TryGetValue(out string? n) == true ? n : null;
        string? ns = (metadata?["namespace"] as JsonValue)?.TryGetValue(out string? s) == true ? s : null;
        if (string.IsNullOrEmpty(name))
        {
            sink.Add(Resolver.Model.Diagnostic.Error(kind, ns, $"<unnamed in {source}>", "metadata.name", "is required"));
            return null;
        }

        if (namespaced && string.IsNullOrEmpty(ns))
        {
            ns = "default";
        }

        string uid = (metadata?["uid"] as JsonValue)?.TryGetValue(out string? u) == true ? u ?? "" : "";
        string rv = (metadata?["resourceVersion"] as JsonValue)?.TryGetValue(out string? r) == true ? r ?? "" : "";
        return new ObjectMeta(kind, namespaced ? ns : null, name, uid, rv, metadata);
    }

    /// <summary><c>metadata.labels</c> with string values (others are not labels and are left out).</summary>
    public IReadOnlyDictionary<string, string> Labels
    {
        get
        {
            Dictionary<string, string> labels = new(StringComparer.Ordinal);
            if (Metadata?["labels"] is JsonObject map)
            {
                foreach (KeyValuePair<string, JsonNode?> kv in map)
                {
                    if (kv.Value is JsonValue v && v.TryGetValue(out string? text))
                    {
                        labels[kv.Key] = text;
                    }
                }
            }

            return labels;
        }
    }
}
