using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Resolver.Resolution;

/// <summary>
/// Resolves networking.k8s.io/v1 NetworkPolicies for every pod, from scratch. A pod is isolated for a
/// direction when some policy of its namespace selects it with that policy type; what it may then send
/// or receive is the union of the rules of every such policy.
/// </summary>
public static class PolicyResolver
{
    public static ResolvedCluster Resolve(ClusterSnapshot snapshot) => ResolverState.FromSnapshot(snapshot).Result;

    public static IReadOnlyDictionary<ObjectRef, PodPolicy> ResolvePodPolicies(ClusterSnapshot snapshot) =>
        ResolverState.FromSnapshot(snapshot).PodPolicies;
}
