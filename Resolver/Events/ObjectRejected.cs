using Npa.Resolver.Model;

namespace Npa.Resolver.Events;

/// <summary>
/// An object failed validation. The last accepted state of the object (if any) stays in force; no
/// upsert or delete is implied. <see cref="Object"/> has an empty namespace for cluster-scoped kinds.
/// </summary>
public sealed record ObjectRejected(ResourceKind RejectedKind, ObjectRef Object, IReadOnlyList<Diagnostic> Diagnostics, string ResourceVersion)
    : ClusterEvent(ResourceVersion)
{
    public override ResourceKind Kind => RejectedKind;

    public bool Equals(ObjectRejected? other) =>
        other is not null && RejectedKind == other.RejectedKind && Object == other.Object &&
        ResourceVersion == other.ResourceVersion && Diagnostics.SequenceEqual(other.Diagnostics);

    public override int GetHashCode() => HashCode.Combine(RejectedKind, Object);
}
