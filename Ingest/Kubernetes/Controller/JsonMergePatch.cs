using System.Text.Json.Nodes;

namespace Npa.Ingest.Kubernetes.Controller;

/// <summary>RFC 7386 JSON merge patches: the smallest patch that turns one object into another.</summary>
public static class JsonMergePatch
{
    /// <summary>
    /// The patch from <paramref name="current"/> to <paramref name="desired"/>: changed members with
    /// their new values (arrays whole), removed members as null, nested objects recursively; null
    /// when nothing differs.
    /// </summary>
    public static JsonObject? Create(JsonObject current, JsonObject desired)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(desired);
        JsonObject patch = [];
        foreach ((string key, JsonNode? value) in desired)
        {
            JsonNode? old = current[key];
            if (old is JsonObject oldObj && value is JsonObject newObj)
            {
                JsonObject? inner = Create(oldObj, newObj);
                if (inner is not null)
                {
                    patch[key] = inner;
                }
            }
            else if (!JsonNode.DeepEquals(old, value))
            {
                patch[key] = value?.DeepClone();
            }
        }

        foreach ((string key, JsonNode? _) in current)
        {
            if (!desired.ContainsKey(key))
            {
                patch[key] = null;
            }
        }

        return patch.Count == 0 ? null : patch;
    }
}
