using Npa.Resolver.Model;

namespace Npa.Host.Daemons;

/// <summary>
/// The PolicyEndpoints one NetworkPolicy should have (empty with <see cref="Deleted"/> when the
/// policy is gone); <see cref="PolicyUid"/> is for the ownerReference.
/// </summary>
public sealed record PolicyEndpointSet(PolicyReference Policy, string PolicyUid, IReadOnlyList<PolicyEndpointSpec> Desired, bool Deleted);
