using Npa.Resolver.Model;

namespace Npa.Resolver.Events;

/// <summary>A namespace appeared or its labels changed.</summary>
public sealed record NamespaceUpserted(NamespaceInfo Namespace, string ResourceVersion) : ClusterEvent(ResourceVersion)
{
    public override ResourceKind Kind => ResourceKind.Namespace;
}

/// <summary>A namespace is gone; <see cref="Synthetic"/> as for <see cref="PodDeleted"/>.</summary>
public sealed record NamespaceDeleted(string Name, string ResourceVersion, bool Synthetic = false) : ClusterEvent(ResourceVersion)
{
    public override ResourceKind Kind => ResourceKind.Namespace;
}
