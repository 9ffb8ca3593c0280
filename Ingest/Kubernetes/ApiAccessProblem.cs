using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Npa.Ingest.Kubernetes;

/// <summary>Why the API server refused a request in a way that only an operator can fix.</summary>
public enum ApiAccessKind
{
    Unknown = 0,

    /// <summary>403: RBAC does not grant the verb on the resource to our service account.</summary>
    Forbidden = 1,

    /// <summary>404 for the resource itself (not for one object): the API server does not serve it, e.g. the CRD is not installed.</summary>
    NotServed = 2,
}

/// <summary>
/// A refusal that will not go away by retrying the same request soon: a missing RBAC rule or a missing
/// CRD. Such requests are retried with a long backoff (an operator may fix the cluster while we run),
/// and every attempt logs <see cref="Describe"/>, which names the verb, the resource and the fix.
/// </summary>
public sealed record ApiAccessProblem(ApiAccessKind Kind, string Verb, string Group, string Version, string Resource, string? Namespace, string ServerMessage)
{
    /// <summary><c>resource.group</c> as RBAC and CRD names spell it (<c>pods</c> for the core group).</summary>
    public string QualifiedResource => Group.Length == 0 ? Resource : $"{Resource}.{Group}";

    public string Describe()
    {
        string scope = Namespace is null ? "cluster-wide" : $"in namespace {Namespace}";
        string server = string.IsNullOrWhiteSpace(ServerMessage) ? "" : $" (API server: {ServerMessage.Trim()})";
        if (Kind == ApiAccessKind.Forbidden)
        {
            // blockOwnerDeletion on an ownerReference needs update on the owner's finalizers (OwnerReferencesPermissionEnforcement).
            if (ServerMessage.Contains("blockOwnerDeletion", StringComparison.Ordinal))
            {
                return $"forbidden to {Verb} {QualifiedResource} {scope} with an ownerReference that blocks owner deletion: " +
                    $"the service account needs 'update' on networkpolicies/finalizers in API group networking.k8s.io{server}";
            }

            return $"forbidden to {Verb} {QualifiedResource} {scope}: the service account lacks RBAC verb '{Verb}' on resource '{Resource}' " +
                $"in API group '{Group}' (the chart's ClusterRole grants it; check that it is installed and bound){server}";
        }

        string hint = Group == ApiResource.PolicyEndpointGroup
            ? $"the CustomResourceDefinition {QualifiedResource} ({Group}/{Version}) is not installed: apply helm/network-policy-agent/crds/{QualifiedResource}.yaml " +
              "(Helm installs crds/ only on first install)"
            : $"is API version {(Group.Length == 0 ? Version : $"{Group}/{Version}")} enabled on this cluster?";
        return $"the API server does not serve {QualifiedResource} ({Verb} {scope}): {hint}{server}";
    }

    /// <summary>
    /// Classifies an error response. Null when it is not an access problem: a 404 naming one object (it
    /// was deleted, or its namespace does not exist), a 403 for a namespace being terminated, any other status.
    /// </summary>
    public static ApiAccessProblem? Classify(HttpStatusCode status, string? body, string verb, string group, string version, string resource, string? ns)
    {
        if (status is not (HttpStatusCode.Forbidden or HttpStatusCode.NotFound))
        {
            return null;
        }

        string message = body ?? "";
        JsonObject? details = null;
        try
        {
            if (!string.IsNullOrWhiteSpace(body) && JsonNode.Parse(body) is JsonObject statusObject && statusObject["kind"]?.GetValueKind() == JsonValueKind.String)
            {
                message = (statusObject["message"] as JsonValue)?.ToString() ?? message;
                details = statusObject["details"] as JsonObject;
            }
        }
        catch (JsonException)
        {
            // A plain-text body ("404 page not found"): the message is the body.
        }

        if (status == HttpStatusCode.Forbidden)
        {
            // Admission refuses new objects in a terminating namespace with 403 too; that is not a permission.
            return message.Contains("being terminated", StringComparison.Ordinal)
                ? null
                : new ApiAccessProblem(ApiAccessKind.Forbidden, verb, group, version, resource, ns, message);
        }

        // A missing object or namespace is reported with its name; a resource the server does not serve has none.
        string? missingName = (details?["name"] as JsonValue)?.ToString();
        return string.IsNullOrEmpty(missingName)
            ? new ApiAccessProblem(ApiAccessKind.NotServed, verb, group, version, resource, ns, message)
            : null;
    }
}

/// <summary>A request failed with an <see cref="ApiAccessProblem"/>.</summary>
public sealed class ApiAccessException(ApiAccessProblem problem, Exception? inner = null) : Exception(problem.Describe(), inner)
{
    public ApiAccessProblem Problem { get; } = problem;
}
