using System.Text.Json.Nodes;
using Npa.Resolver.Model;

namespace Npa.Ingest.Translation;

/// <summary>
/// v1 Namespace JSON to <see cref="NamespaceInfo"/>. Like the API server, it always sets
/// <c>kubernetes.io/metadata.name</c> to the namespace's name.
/// </summary>
public static class NamespaceTranslator
{
    public const string NameLabel = "kubernetes.io/metadata.name";

    public static TranslationResult<NamespaceInfo> Translate(JsonObject obj, string source = "input")
    {
        ArgumentNullException.ThrowIfNull(obj);
        List<Diagnostic> sink = [];
        ObjectMeta? meta = ObjectMeta.Read(obj, "Namespace", namespaced: false, source, sink);
        if (meta is null)
        {
            return new(null, sink);
        }

        FieldErrors errors = new(meta.Kind, null, meta.Name);
        if (!LabelSyntax.IsDnsLabel(meta.Name))
        {
            errors.Error("metadata.name", $"'{meta.Name}' is not a valid DNS label");
        }

        Dictionary<string, string> labels = errors.StringMap(meta.Metadata?["labels"], "metadata.labels");
        labels[NameLabel] = meta.Name;
        sink.AddRange(errors.Items);
        return errors.HasErrors ? new(null, sink) : new(new NamespaceInfo(meta.Name, labels), sink);
    }

    /// <summary>The namespace the API server would hold for a name no manifest declared.</summary>
    public static NamespaceInfo Implicit(string name) =>
        new(name, new Dictionary<string, string>(StringComparer.Ordinal) { [NameLabel] = name });
}
