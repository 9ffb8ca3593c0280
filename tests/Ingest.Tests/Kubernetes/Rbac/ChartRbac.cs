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
/// The one exception is <c>nodeAgent.policySource</c>: its two modes grant different rules, so a condition
/// on it is evaluated for the mode asked for and only the matching branch is read.
/// </summary>
public static partial class ChartRbac
{
    /// <summary>What <c>{{ .Release.Namespace }}</c> reads as.</summary>
    public const string ReleaseNamespace = "<release-namespace>";

    /// <summary>The chart's default <c>nodeAgent.policySource</c>.</summary>
    public const string PolicyEndpoints = "policyendpoints";

    /// <summary>The chart's other <c>nodeAgent.policySource</c>: the agent resolves NetworkPolicies itself.</summary>
    public const string NetworkPolicies = "networkpolicies";

    /// <summary>The rules of <paramref name="templateFile"/> with <c>nodeAgent.policySource</c> set to <paramref name="policySource"/>.</summary>
    public static IReadOnlyList<RbacRule> Rules(string templateFile, string policySource = PolicyEndpoints)
    {
        if (policySource is not (PolicyEndpoints or NetworkPolicies))
        {
            throw new ArgumentException($"policySource '{policySource}' is not a mode of the chart ({PolicyEndpoints} or {NetworkPolicies})", nameof(policySource));
        }

        string text = string.Join('\n', Branch(File.ReadAllLines(templateFile), policySource, templateFile)
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

    /// <summary>
    /// The lines that are not template actions, leaving out the branches a <c>policySource</c> condition
    /// does not take. Other blocks (if, with, range) are read in every branch.
    /// </summary>
    private static IEnumerable<string> Branch(IEnumerable<string> lines, string policySource, string file)
    {
        // Per open block: whether it is a policySource condition, whether one of its branches was taken, whether the current one is.
        Stack<(bool Known, bool Taken, bool Active)> blocks = new();
        foreach (string line in lines)
        {
            if (!line.TrimStart().StartsWith("{{", StringComparison.Ordinal))
            {
                if (blocks.All(b => b.Active))
                {
                    yield return line;
                }

                continue;
            }

            Match action = Action().Match(line.Trim());
            if (!action.Success)
            {
                continue;
            }

            string keyword = action.Groups["keyword"].Value;
            string condition = action.Groups["condition"].Value;
            switch (keyword)
            {
                case "if":
                    bool? value = Evaluate(condition, policySource, file);
                    blocks.Push(value is bool taken ? (true, taken, taken) : (false, false, true));
                    break;
                case "else if" or "else":
                    (bool known, bool wasTaken, _) = blocks.Count > 0 ? blocks.Pop() : throw new InvalidDataException($"{file}: {{{{ {keyword} }}}} outside a block");
                    bool now = !known || (!wasTaken && (keyword == "else" || Evaluate(condition, policySource, file) == true));
                    blocks.Push((known, wasTaken || (known && now), now));
                    break;
                case "end":
                    _ = blocks.Count > 0 ? blocks.Pop() : throw new InvalidDataException($"{file}: {{{{ end }}}} without a block");
                    break;
                default: // with, range, define, block
                    blocks.Push((false, false, true));
                    break;
            }
        }
    }

    /// <summary>The value of a condition on <c>npa.agent.policySource</c>; null for any other condition.</summary>
    private static bool? Evaluate(string condition, string policySource, string file)
    {
        if (!condition.Contains("policySource", StringComparison.Ordinal))
        {
            return null;
        }

        Match eq = PolicySourceEquals().Match(condition);
        return eq.Success
            ? eq.Groups["mode"].Value == policySource
            : throw new InvalidDataException($"{file}: condition on policySource not understood (write it as eq (include \"npa.agent.policySource\" .) \"MODE\"): {condition}");
    }

    [GeneratedRegex(@"^\{\{-?\s*(?<keyword>else if|if|else|end|with|range|define|block)\b\s*(?<condition>.*?)\s*-?\}\}$")]
    private static partial Regex Action();

    [GeneratedRegex(@"^eq \(include ""npa\.agent\.policySource"" \.\) ""(?<mode>[a-z]+)""$")]
    private static partial Regex PolicySourceEquals();

    private static string[] Strings(JsonNode? node) => node is JsonArray a ? [.. a.Select(x => x!.GetValue<string>())] : [];
}
