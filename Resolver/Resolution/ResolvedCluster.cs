using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Resolver.Resolution;

/// <summary>The resolver's output together with the pods it was computed for: the input of verdicts and reports.</summary>
public sealed class ResolvedCluster
{
    public ResolvedCluster(IReadOnlyDictionary<ObjectRef, PodInfo> pods, IReadOnlyDictionary<ObjectRef, PodPolicy> podPolicies)
    {
        Pods = pods ?? throw new ArgumentNullException(nameof(pods));
        PodPolicies = podPolicies ?? throw new ArgumentNullException(nameof(podPolicies));
    }

    public IReadOnlyDictionary<ObjectRef, PodInfo> Pods { get; }

    public IReadOnlyDictionary<ObjectRef, PodPolicy> PodPolicies { get; }

    /// <summary>Pods ordered by namespace/name.</summary>
    public IReadOnlyList<PodInfo> PodsInOrder => Pods.Values.OrderBy(p => p.Ref).ToArray();
}
