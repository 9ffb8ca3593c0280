using Npa.Resolver.Events;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// Where one kind lives on the API server and which slice of it to watch: the collection path
/// (e.g. <c>api/v1/pods</c>) and optional field and label selectors.
/// </summary>
public sealed record ApiResource(ResourceKind Kind, string Group, string Version, string Plural, bool Namespaced)
{
    public string? FieldSelector { get; init; }

    public string? LabelSelector { get; init; }

    /// <summary>Restricts a namespaced resource to one namespace; null watches all namespaces.</summary>
    public string? Namespace { get; init; }

    public static ApiResource Namespaces { get; } = new(ResourceKind.Namespace, "", "v1", "namespaces", Namespaced: false);

    public static ApiResource Pods { get; } = new(ResourceKind.Pod, "", "v1", "pods", Namespaced: true);

    public static ApiResource NetworkPolicies { get; } = new(ResourceKind.NetworkPolicy, "networking.k8s.io", "v1", "networkpolicies", Namespaced: true);

    public static ApiResource Services { get; } = new(ResourceKind.Service, "", "v1", "services", Namespaced: true);

    public static ApiResource PolicyEndpoints { get; } = new(ResourceKind.PolicyEndpoint, PolicyEndpointGroup, PolicyEndpointVersion, PolicyEndpointPlural, Namespaced: true);

    public const string PolicyEndpointGroup = "networking.k8s.aws";

    public const string PolicyEndpointVersion = "v1alpha1";

    public const string PolicyEndpointPlural = "policyendpoints";

    /// <summary>The pods of one node, as a node agent watches them.</summary>
    public static ApiResource PodsOnNode(string nodeName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        return Pods with { FieldSelector = $"spec.nodeName={nodeName}" };
    }

    /// <summary>
    /// The PolicyEndpoints a node-scoping controller published for <paramref name="nodeName"/>:
    /// those carrying the node's label (<see cref="PolicyEndpointNodeLabels.ForNode"/>).
    /// </summary>
    public static ApiResource PolicyEndpointsForNode(string nodeName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        return PolicyEndpoints with { LabelSelector = PolicyEndpointNodeLabels.ForNode(nodeName) };
    }

    /// <summary>The PolicyEndpoints no node-scoping controller wrote (no <see cref="PolicyEndpointNodeLabels.Marker"/> label).</summary>
    public static ApiResource PolicyEndpointsUnmarked { get; } = PolicyEndpoints with { LabelSelector = PolicyEndpointNodeLabels.Unmarked };

    /// <summary>The collection path relative to the server root, without a leading slash.</summary>
    public string CollectionPath
    {
        get
        {
            string prefix = Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";
            return Namespace is null ? $"{prefix}/{Plural}" : $"{prefix}/namespaces/{Namespace}/{Plural}";
        }
    }

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public override string ToString() =>
        FieldSelector is null && LabelSelector is null ? CollectionPath :
        $"{CollectionPath}?{string.Join("&", new[] { FieldSelector is null ? null : $"fieldSelector={FieldSelector}", LabelSelector is null ? null : $"labelSelector={LabelSelector}" }.OfType<string>())}";
}
