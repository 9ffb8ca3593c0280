namespace Npa.Resolver.Events;

/// <summary>
/// One change to the cluster state the pipeline consumes, as ingest observed it (from a watch, a
/// relist, or a manifest). <see cref="ResourceVersion"/> is the object's
/// <c>metadata.resourceVersion</c> (or the list's for <see cref="SourceSynced"/>); it is empty when
/// the source has none (manifests).
/// </summary>
public abstract record ClusterEvent(string ResourceVersion)
{
    public abstract ResourceKind Kind { get; }
}
