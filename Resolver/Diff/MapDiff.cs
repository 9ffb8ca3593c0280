namespace Npa.Resolver.Diff;

/// <summary>
/// Desired map contents against programmed (read back) contents: the minimal change set, in which
/// every key appears at most once and nothing already right is written again.
/// </summary>
public static class MapDiff
{
    public static ChangeSet<TKey, TValue> Compute<TKey, TValue>(
        IReadOnlyDictionary<TKey, TValue> desired,
        IReadOnlyDictionary<TKey, TValue> programmed,
        IComparer<TKey>? order = null,
        IEqualityComparer<TValue>? valueEquality = null)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(programmed);
        order ??= Comparer<TKey>.Default;
        valueEquality ??= EqualityComparer<TValue>.Default;
        List<KeyValuePair<TKey, TValue>> adds = new();
        List<KeyValuePair<TKey, TValue>> updates = new();
        List<TKey> deletes = new();
        foreach (KeyValuePair<TKey, TValue> want in desired)
        {
            if (!programmed.TryGetValue(want.Key, out TValue? have))
            {
                adds.Add(want);
            }
            else if (!valueEquality.Equals(want.Value, have))
            {
                updates.Add(want);
            }
        }

        foreach (TKey key in programmed.Keys)
        {
            if (!desired.ContainsKey(key))
            {
                deletes.Add(key);
            }
        }

        adds.Sort((a, b) => order.Compare(a.Key, b.Key));
        updates.Sort((a, b) => order.Compare(a.Key, b.Key));
        deletes.Sort(order);
        return new ChangeSet<TKey, TValue>(adds, updates, deletes);
    }
}
