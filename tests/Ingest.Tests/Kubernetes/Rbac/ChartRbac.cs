using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Npa.Ingest.Manifests;

namespace Npa.Ingest.Tests.Kubernetes.Rbac;

/// <summary>One RBAC rule of the chart, with where it applies: <see cref="Namespace"/> null for a ClusterRole.</summary>
public sealed record RbacRule(string Role, string? Namespace, IReadOnlyList<string> ApiGroups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs, IReadOnlyList<string> ResourceNames)
{
    /// <summary>Whether RBAC lets this rule authorize <paramref name="request"/> (<paramref name="releaseNamespace"/> stands in for the Release namespace).</summary>
    public bool Covers(ApiRequest request, string releaseNamespace)
    {
        string? ns = Namespace == ChartRbac.ReleaseNamespace ? releaseNamespace : Namespace;
        return (ApiGroups.Contains(request.Group) || ApiGroups.Contains("*")) &&
            (Resources.Contains(request.Resource) || Resources.Contains("*")) &&
            (Verbs.Contains(request.Verb) || Verbs.Contains("*")) &&
            (ResourceNames.Count == 0 || (request.Name is not null && ResourceNames.Contains(request.Name))) &&
            (ns is null || ns == request.Namespace);
    }
}

/// <summary>A request as RBAC sees it, and why it is made (a test scenario, or a source file for requests made outside Ingest).</summary>
public sealed record ApiRequest(string Group, string Resource, string Verb, string? Namespace, string? Name, string Why)
{
    public override string ToString() =>
        $"{Verb} {(Group.Length == 0 ? Resource : $"{Resource}.{Group}")}{(Name is null ? "" : $"/{Name}")}{(Namespace is null ? " (cluster-wide)" : $" in {Namespace}")} [{Why}]";
}

/// <summary>
/// Reads the Role and ClusterRole rules straight from the chart's RBAC templates: Go template lines
/// (conditions, includes) are dropped and inline expressions replaced, so every rule of every branch
/// is read (a rule behind <c>if leaderElection.enabled</c> counts for the code that runs when it is on).
/// </summary>
public static class ChartRbac
{
    /// <summary>What <c>{{ .Release.Namespace }}</c> reads as.</summary>
    public const string ReleaseNamespace = "<release-namespace>";

    public static IReadOnlyList<RbacRule> Rules(string templateFile)
    {
        string text = string.Join('\n', File.ReadAllLines(templateFile)
            .Where(line => !line.TrimStart().StartsWith("{{", StringComparison.Ordinal))
            .Select(line => line.Replace("{{ .Release.Namespace }}", ReleaseNamespace, StringComparison.Ordinal))
            .Select(line => Regex.Replace(line, @"\{\{[^}]*\}\}", "templated")));
        List<RbacRule> rules = [];
        foreach (JsonObject doc in YamlToJson.Documents(text).Select(d => d.Node).OfType<JsonObject>())
        {
            string? kind = (doc["kind"] as JsonValue)?.ToString();
            if (kind is not ("Role" or "ClusterRole"))
            {
                continue;
            }

            string role = $"{kind} {(doc["metadata"]?["name"] as JsonValue)?.ToString()}";
            string? ns = kind == "Role" ? (doc["metadata"]?["namespace"] as JsonValue)?.ToString() ?? ReleaseNamespace : null;
            foreach (JsonObject rule in (doc["rules"] as JsonArray ?? []).OfType<JsonObject>())
            {
                rules.Add(new RbacRule(role, ns, Strings(rule["apiGroups"]), Strings(rule["resources"]), Strings(rule["verbs"]), Strings(rule["resourceNames"])));
            }
        }

        return rules;
    }

    private static string[] Strings(JsonNode? node) => node is JsonArray a ? [.. a.Select(x => x!.GetValue<string>())] : [];
}
