using Npa.Resolver.Model;

namespace Npa.Resolver.Events;

/// <summary>A pod appeared or changed. It replaces any earlier state of the same namespace/name.</summary>
public sealed record PodUpserted(PodInfo Pod, string ResourceVersion) : ClusterEvent(ResourceVersion)
{
    public override ResourceKind Kind => ResourceKind.Pod;
}

/// <summary>
/// A pod is gone. <see cref="Synthetic"/> is true when no DELETED event was seen: the pod was missing
/// from a relist after the watch had been disconnected.
/// </summary>
public sealed record PodDeleted(ObjectRef Pod, string Uid, string ResourceVersion, bool Synthetic = false) : ClusterEvent(ResourceVersion)
{
    public override ResourceKind Kind => ResourceKind.Pod;
}
