namespace Npa.Resolver.Selection;

/// <summary>
/// The labels a namespaceSelector is matched against. The API server sets
/// <c>kubernetes.io/metadata.name</c> on every namespace; it is added here when missing, and a
/// namespace the resolver has not seen yet is taken to carry only that label.
/// </summary>
public static class NamespaceLabels
{
    public const string NameLabel = "kubernetes.io/metadata.name";

    public static IReadOnlyDictionary<string, string> Effective(string name, IReadOnlyDictionary<string, string>? labels)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (labels is not null && labels.TryGetValue(NameLabel, out string? v) && v == name)
        {
            return labels;
        }

        Dictionary<string, string> copy = labels is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(labels, StringComparer.Ordinal);
        copy[NameLabel] = name;
        return copy;
    }
}
