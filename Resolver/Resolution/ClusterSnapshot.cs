using Npa.Resolver.Model;
using static Npa.Resolver.Resolution.ResolverEvent;

namespace Npa.Resolver.Resolution;

/// <summary>Every input object at one moment. When two objects share a namespace/name, the later one wins.</summary>
public sealed record ClusterSnapshot(
    IReadOnlyList<NamespaceInfo> Namespaces,
    IReadOnlyList<PodInfo> Pods,
    IReadOnlyList<NetworkPolicySpec> Policies,
    IReadOnlyList<ServiceInfo> Services)
{
    public static ClusterSnapshot Empty { get; } = new([], [], [], []);

    /// <summary>The snapshot as upsert events: namespaces, pods, services, then policies.</summary>
    public IEnumerable<ResolverEvent> ToEvents() =>
        Namespaces.Select(n => (ResolverEvent)new NamespaceUpserted(n))
            .Concat(Pods.Select(p => new PodUpserted(p)))
            .Concat(Services.Select(s => new ServiceUpserted(s)))
            .Concat(Policies.Select(p => new PolicyUpserted(p)));
}
