namespace Npa.Resolver.Diff;

/// <summary>
/// What to write to one map so that its programmed contents become the desired ones: new keys,
/// keys whose value changes, and keys to remove. The three lists are disjoint and sorted by key.
/// </summary>
public sealed record ChangeSet<TKey, TValue>(
    IReadOnlyList<KeyValuePair<TKey, TValue>> Adds,
    IReadOnlyList<KeyValuePair<TKey, TValue>> Updates,
    IReadOnlyList<TKey> Deletes)
    where TKey : notnull
{
    public static ChangeSet<TKey, TValue> Empty { get; } = new([], [], []);

    public bool IsEmpty => Adds.Count == 0 && Updates.Count == 0 && Deletes.Count == 0;

    public int Count => Adds.Count + Updates.Count + Deletes.Count;

    /// <summary>The programmed contents after this change set is written: pure, the input is not modified.</summary>
    public Dictionary<TKey, TValue> ApplyTo(IReadOnlyDictionary<TKey, TValue> programmed)
    {
        ArgumentNullException.ThrowIfNull(programmed);
        Dictionary<TKey, TValue> result = new(programmed);
        foreach (KeyValuePair<TKey, TValue> add in Adds)
        {
            result[add.Key] = add.Value;
        }

        foreach (KeyValuePair<TKey, TValue> update in Updates)
        {
            result[update.Key] = update.Value;
        }

        foreach (TKey key in Deletes)
        {
            result.Remove(key);
        }

        return result;
    }

    public override string ToString() => $"+{Adds.Count} ~{Updates.Count} -{Deletes.Count}";
}
