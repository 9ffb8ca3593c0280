using Microsoft.Extensions.Logging;

namespace Npa.Ingest.Journal;

/// <summary>Log messages of the journal (EventIds 1500–1549).</summary>
internal static partial class JournalLog
{
    [LoggerMessage(EventId = 1500, Level = LogLevel.Information,
        Message = "Journal {Directory} restored: {Objects} objects from snapshot {SnapshotSequence} plus {Records} records, last sequence {LastSequence}")]
    public static partial void Restored(ILogger logger, string directory, int objects, ulong snapshotSequence, int records, ulong lastSequence);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning,
        Message = "Journal file {File} damaged at byte {Offset} ({Problem}): {Action}")]
    public static partial void Repaired(ILogger logger, string file, long offset, FrameProblem problem, string action);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Debug, Message = "Journal snapshot written at sequence {Sequence} with {Objects} objects")]
    public static partial void SnapshotWritten(ILogger logger, ulong sequence, int objects);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Debug, Message = "Journal segment {File} pruned")]
    public static partial void SegmentPruned(ILogger logger, string file);
}
