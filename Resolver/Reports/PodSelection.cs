using Npa.Resolver.Model;

namespace Npa.Resolver.Reports;

/// <summary>
/// Which pods one side of an expectation is about. Every field given must hold: <see cref="Pod"/> names one pod;
/// <see cref="Namespace"/> and <see cref="NotNamespace"/> keep the pods in, or outside, one namespace;
/// <see cref="Labels"/> and <see cref="NamespaceLabels"/> select by the pod's and its namespace's labels.
/// No field at all means every pod.
/// </summary>
public sealed record PodSelection(
    ObjectRef? Pod = null,
    string? Namespace = null,
    string? NotNamespace = null,
    LabelSelector? Labels = null,
    LabelSelector? NamespaceLabels = null)
{
    public static PodSelection Everything { get; } = new();

    public static PodSelection OnePod(string namespaceAndName) =>
        ObjectRef.TryParse(namespaceAndName, out ObjectRef pod) ? new(Pod: pod) : throw new ArgumentException($"'{namespaceAndName}' is not namespace/name", nameof(namespaceAndName));

    public bool Matches(PodInfo pod, IReadOnlyDictionary<string, NamespaceInfo> namespaces)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(namespaces);
        if (Pod is ObjectRef one && pod.Ref != one)
        {
            return false;
        }

        if ((Namespace is not null && pod.Namespace != Namespace) || (NotNamespace is not null && pod.Namespace == NotNamespace))
        {
            return false;
        }

        if (Labels is not null && !Labels.Matches(pod.Labels))
        {
            return false;
        }

        if (NamespaceLabels is null)
        {
            return true;
        }

        IReadOnlyDictionary<string, string> nsLabels = namespaces.TryGetValue(pod.Namespace, out NamespaceInfo? ns)
            ? ns.Labels
            : new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = pod.Namespace };
        return NamespaceLabels.Matches(nsLabels);
    }

    /// <summary>"pod stars/frontend", "namespace stars, labels role=frontend", "every pod".</summary>
    public override string ToString()
    {
        List<string> parts = [];
        if (Pod is ObjectRef one)
        {
            parts.Add($"pod {one}");
        }

        if (Namespace is not null)
        {
            parts.Add($"namespace {Namespace}");
        }

        if (NotNamespace is not null)
        {
            parts.Add($"outside namespace {NotNamespace}");
        }

        if (Labels is not null)
        {
            parts.Add($"labels {Text(Labels)}");
        }

        if (NamespaceLabels is not null)
        {
            parts.Add($"namespace labels {Text(NamespaceLabels)}");
        }

        return parts.Count == 0 ? "every pod" : string.Join(", ", parts);
    }

    private static string Text(LabelSelector selector) =>
        selector.IsEmpty ? "(any)" : string.Join(",", selector.MatchLabels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")
            .Concat(selector.MatchExpressions.Select(e => $"{e.Key} {e.Operator} ({string.Join(",", e.Values)})")));
}
