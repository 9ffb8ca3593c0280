using Npa.Resolver.Model;

namespace Npa.Resolver.Events;

/// <summary>
/// A PolicyEndpoint appeared or changed. On a node agent only PolicyEndpoints that name a pod of the
/// node in <c>podSelectorEndpoints</c> are reported; one that stops naming any is reported deleted.
/// </summary>
public sealed record PolicyEndpointUpserted(PolicyEndpointSpec Endpoint, string ResourceVersion) : ClusterEvent(ResourceVersion)
{
    public override ResourceKind Kind => ResourceKind.PolicyEndpoint;
}

/// <summary>
/// A PolicyEndpoint is gone (or, on a node agent, no longer relevant to the node). <see cref="PolicyRef"/>
/// names the policy it belonged to. <see cref="Synthetic"/> as for <see cref="PodDeleted"/>.
/// </summary>
public sealed record PolicyEndpointDeleted(ObjectRef Endpoint, PolicyReference PolicyRef, string ResourceVersion, bool Synthetic = false)
    : ClusterEvent(ResourceVersion)
{
    public override ResourceKind Kind => ResourceKind.PolicyEndpoint;
}
