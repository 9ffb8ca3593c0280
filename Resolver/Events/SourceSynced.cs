namespace Npa.Resolver.Events;

/// <summary>
/// A source finished a full list of one kind: every object it holds has been reported before this
/// event, and objects missing from the list have been reported deleted (<see cref="SyntheticDeletes"/>
/// of them). The first one per kind means "ready"; later ones follow a relist (after 410 Gone or a
/// lost connection). <see cref="ResourceVersion"/> is the list's resourceVersion.
/// </summary>
public sealed record SourceSynced(ResourceKind SyncedKind, string ResourceVersion, int ObjectCount, int SyntheticDeletes, bool Relist)
    : ClusterEvent(ResourceVersion)
{
    public override ResourceKind Kind => SyncedKind;
}
