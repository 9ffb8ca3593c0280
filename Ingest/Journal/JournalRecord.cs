using MessagePack;

namespace Npa.Ingest.Journal;

/// <summary>
/// One framed entry of a segment file: a gap-free sequence number, the wall-clock time the event
/// was accepted (Unix milliseconds), and the event.
/// </summary>
[MessagePackObject]
public sealed class JournalRecord
{
    [Key(0)]
    public ulong Sequence { get; set; }

    [Key(1)]
    public long UnixTimeMilliseconds { get; set; }

    [Key(2)]
    public JournalEvent Event { get; set; } = new();

    [IgnoreMember]
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(UnixTimeMilliseconds);
}
