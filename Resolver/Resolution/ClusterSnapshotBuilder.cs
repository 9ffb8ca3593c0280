using Npa.Resolver.Model;
using static Npa.Resolver.Resolution.ResolverEvent;

namespace Npa.Resolver.Resolution;

/// <summary>
/// Folds resolver events into the objects they leave behind (the latest state of each, deletes removing
/// it), for loading in one pass with <see cref="ResolverState.FromSnapshot(ClusterSnapshot)"/> or
/// <see cref="ResolverState.ForPolicyEndpoints(ClusterSnapshot)"/>: what a first list delivers, event by event.
/// </summary>
public sealed class ClusterSnapshotBuilder
{
    private readonly Dictionary<string, NamespaceInfo> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<ObjectRef, PodInfo> _pods = [];
    private readonly Dictionary<ObjectRef, NetworkPolicySpec> _policies = [];
    private readonly Dictionary<ObjectRef, ServiceInfo> _services = [];

    public void Apply(ResolverEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e)
        {
            case NamespaceUpserted(NamespaceInfo ns): _namespaces[ns.Name] = ns; break;
            case NamespaceDeleted(string name): _namespaces.Remove(name); break;
            case PodUpserted(PodInfo pod): _pods[pod.Ref] = pod; break;
            case PodDeleted(ObjectRef pod): _pods.Remove(pod); break;
            case PolicyUpserted(NetworkPolicySpec policy): _policies[policy.Ref] = policy; break;
            case PolicyDeleted(ObjectRef policy): _policies.Remove(policy); break;
            case ServiceUpserted(ServiceInfo service): _services[service.Ref] = service; break;
            case ServiceDeleted(ObjectRef service): _services.Remove(service); break;
            default: throw new ArgumentException($"unknown resolver event {e.GetType().Name}", nameof(e));
        }
    }

    /// <summary>The objects now held, each kind in namespace/name order.</summary>
    public ClusterSnapshot Build() => new(
        [.. _namespaces.Values.OrderBy(n => n.Name, StringComparer.Ordinal)],
        [.. _pods.Values.OrderBy(p => p.Ref)],
        [.. _policies.Values.OrderBy(p => p.Ref)],
        [.. _services.Values.OrderBy(s => s.Ref)]);
}
