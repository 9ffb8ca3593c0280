using Npa.Resolver.Model;

namespace Npa.Resolver.Events;

/// <summary>A Service appeared or changed.</summary>
public sealed record ServiceUpserted(ServiceInfo Service, string ResourceVersion) : ClusterEvent(ResourceVersion)
{
    public override ResourceKind Kind => ResourceKind.Service;
}

/// <summary>A Service is gone; <see cref="Synthetic"/> as for <see cref="PodDeleted"/>.</summary>
public sealed record ServiceDeleted(ObjectRef Service, string ResourceVersion, bool Synthetic = false) : ClusterEvent(ResourceVersion)
{
    public override ResourceKind Kind => ResourceKind.Service;
}
