using MessagePack;

namespace Npa.Ingest.Journal;

/// <summary>
/// The full object set after record <see cref="Sequence"/>: one upsert event per live object, in key
/// order. Restoring a snapshot and replaying the records after it gives the same object set as
/// replaying every record from the first.
/// </summary>
[MessagePackObject]
public sealed class JournalSnapshot
{
    [Key(0)]
    public ulong Sequence { get; set; }

    [Key(1)]
    public long UnixTimeMilliseconds { get; set; }

    [Key(2)]
    public List<JournalEvent> Objects { get; set; } = [];
}
