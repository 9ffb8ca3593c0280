using Npa.Resolver.Model;

namespace Npa.Resolver.Events;

/// <summary>A NetworkPolicy appeared or changed, already validated and defaulted.</summary>
public sealed record PolicyUpserted(NetworkPolicySpec Policy, string ResourceVersion) : ClusterEvent(ResourceVersion)
{
    public override ResourceKind Kind => ResourceKind.NetworkPolicy;
}

/// <summary>A NetworkPolicy is gone; <see cref="Synthetic"/> as for <see cref="PodDeleted"/>.</summary>
public sealed record PolicyDeleted(ObjectRef Policy, string Uid, string ResourceVersion, bool Synthetic = false) : ClusterEvent(ResourceVersion)
{
    public override ResourceKind Kind => ResourceKind.NetworkPolicy;
}
