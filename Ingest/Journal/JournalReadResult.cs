namespace Npa.Ingest.Journal;

/// <summary>
/// What a journal directory holds: the snapshot it starts from (if any), the records after it in
/// sequence order, the object set they add up to, and every problem met on the way.
/// </summary>
public sealed record JournalReadResult(
    JournalSnapshot? Snapshot,
    IReadOnlyList<JournalRecord> Records,
    JournalObjectSet Objects,
    ulong LastSequence,
    IReadOnlyList<JournalProblem> Problems)
{
    public DateTimeOffset? LastTime =>
        Records.Count > 0 ? Records[^1].Time :
        Snapshot is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(Snapshot.UnixTimeMilliseconds);
}
