using Npa.Resolver.Model;

namespace Npa.Host.Daemons;

/// <summary>
/// What one NetworkPolicy's PolicyEndpoints should carry: <see cref="Desired"/> as one unchunked spec
/// (null when the policy is gone and its objects are to be deleted), the NetworkPolicy's uid for the
/// ownerReference, and the nodes of the pods it selects (the node-scoped labels).
/// </summary>
public sealed record PolicyEndpointSet(PolicyReference Policy, string PolicyUid, PolicyEndpointSpec? Desired, IReadOnlyList<string> Nodes);
