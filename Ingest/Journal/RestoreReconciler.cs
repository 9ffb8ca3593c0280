using Npa.Resolver.Events;

namespace Npa.Ingest.Journal;

/// <summary>
/// Closes the gap between a restored journal and a fresh list. The objects restored at start-up
/// may have been deleted while the node was down; the informers cannot report that, since they never
/// saw them. Every restored object the first full list of its kind did not contain is therefore
/// deleted when that kind's <see cref="SourceSynced"/> arrives. Pure: feed it the accepted events.
/// </summary>
public sealed class RestoreReconciler
{
    private readonly Dictionary<ResourceKind, HashSet<JournalObjectKey>> _unseen = new();

    public RestoreReconciler(IEnumerable<JournalObjectKey> restored)
    {
        ArgumentNullException.ThrowIfNull(restored);
        foreach (JournalObjectKey key in restored)
        {
            if (!_unseen.TryGetValue(key.Kind, out HashSet<JournalObjectKey>? set))
            {
                _unseen[key.Kind] = set = [];
            }

            set.Add(key);
        }
    }

    /// <summary>Restored objects not yet confirmed by a list.</summary>
    public int Pending => _unseen.Values.Sum(s => s.Count);

    /// <summary>
    /// Notes one accepted event; returns the synthetic deletes to process right after it (only for
    /// the first <see cref="SourceSynced"/> of a kind).
    /// </summary>
    public IReadOnlyList<ClusterEvent> Observe(ClusterEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is SourceSynced synced)
        {
            ResourceKind kind = synced.SyncedKind;
            if (!_unseen.Remove(kind, out HashSet<JournalObjectKey>? gone))
            {
                return [];
            }

            return gone.Order().Select(ClusterEventMapper.SyntheticDelete).ToList();
        }

        if (ClusterEventMapper.KeyOf(e) is { } key && _unseen.TryGetValue(key.Kind, out HashSet<JournalObjectKey>? set))
        {
            set.Remove(key);
        }

        return [];
    }
}
