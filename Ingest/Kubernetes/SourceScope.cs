using Npa.Resolver.Events;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// What a <see cref="KubernetesSource"/> watches. The controller watches every Namespace, Pod,
/// NetworkPolicy, Service and PolicyEndpoint; a node agent watches only its own pods (fieldSelector
/// <c>spec.nodeName</c>) and the PolicyEndpoints that concern them: those labelled for the node, and
/// unlabelled ones judged by its pods (<see cref="PolicyEndpointNodeLabels"/>, docs/distribution.md).
/// </summary>
public sealed record SourceScope(IReadOnlySet<ResourceKind> Kinds, string? NodeName)
{
    /// <summary>The node's own addresses (e.g. <c>status.hostIP</c> from the downward API); more are learned from its pods.</summary>
    public IReadOnlyList<string> NodeIps { get; init; } = [];

    /// <summary>
    /// The controller's inputs: cluster-wide Namespaces, Pods, NetworkPolicies and Services, and the
    /// PolicyEndpoints it publishes (what exists, so a restart rewrites nothing that is already right).
    /// </summary>
    public static SourceScope Controller { get; } = new(
        new HashSet<ResourceKind> { ResourceKind.Namespace, ResourceKind.Pod, ResourceKind.NetworkPolicy, ResourceKind.Service, ResourceKind.PolicyEndpoint }, null);

    /// <summary>The pods of <paramref name="nodeName"/> and the PolicyEndpoints that select any of them.</summary>
    public static SourceScope Agent(string nodeName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        return new(new HashSet<ResourceKind> { ResourceKind.Pod, ResourceKind.PolicyEndpoint }, nodeName);
    }

    /// <summary>
    /// Everything a node needs to resolve policy itself without a controller: cluster-wide
    /// Namespaces, NetworkPolicies and Services, and Pods (all of them, since peers live anywhere).
    /// </summary>
    public static SourceScope Standalone { get; } = new(
        new HashSet<ResourceKind> { ResourceKind.Namespace, ResourceKind.Pod, ResourceKind.NetworkPolicy, ResourceKind.Service }, null);

    public override string ToString() =>
        $"{string.Join(",", Kinds.Order())}{(NodeName is null ? "" : $" on node {NodeName}")}";
}
