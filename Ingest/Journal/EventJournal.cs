using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Npa.Ingest.Journal;

/// <summary>
/// The node's append-only log of accepted input events. <see cref="Open"/> restores the object set
/// (newest snapshot plus the records after it, cutting off a torn tail with a warning), then
/// <see cref="Append"/> writes each event, framed and checksummed, before the pipeline acts on it.
/// A segment that outgrows <see cref="JournalOptions.SegmentMaxBytes"/> is closed, a snapshot of
/// the object set is written, and segments no kept snapshot needs are deleted.
/// One writer; calls are serialised by a lock.
/// </summary>
public sealed class EventJournal : IDisposable
{
    private readonly JournalOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly JournalObjectSet objects;
    private FileStream? segment;
    private ulong lastSequence;
    private ulong lastSnapshotSequence;
    private long totalBytes;

    private EventJournal(JournalOptions options, TimeProvider time, ILogger logger, JournalReadResult restored)
    {
        this.options = options;
        this.time = time;
        this.logger = logger;
        Restored = restored;
        objects = restored.Objects;
        lastSequence = restored.LastSequence;
        lastSnapshotSequence = restored.Snapshot?.Sequence ?? 0;
    }

    /// <summary>What <see cref="Open"/> found on disk.</summary>
    public JournalReadResult Restored { get; }

    /// <summary>The live object set after the last appended event.</summary>
    public JournalObjectSet Objects
    {
        get
        {
            lock (gate)
            {
                return objects;
            }
        }
    }

    public ulong LastSequence
    {
        get
        {
            lock (gate)
            {
                return lastSequence;
            }
        }
    }

    /// <summary>Bytes the journal's files take on disk.</summary>
    public long TotalBytes => Interlocked.Read(ref totalBytes);

    public static EventJournal Open(JournalOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ILogger log = logger ?? NullLogger.Instance;
        Directory.CreateDirectory(options.Directory);
        JournalReadResult restored = JournalReader.Read(options.Directory, repair: true);
        foreach (JournalProblem problem in restored.Problems)
        {
            JournalLog.Repaired(log, problem.File, problem.Offset, problem.Kind, problem.Action);
        }

        EventJournal journal = new(options, time ?? TimeProvider.System, log, restored);
        journal.OpenSegment();
        if (restored.Records.Count > 0)
        {
            journal.Snapshot();
        }

        journal.RecountBytes();
        JournalLog.Restored(log, options.Directory, restored.Objects.Count, restored.Snapshot?.Sequence ?? 0,
            restored.Records.Count, restored.LastSequence);
        return journal;
    }

    /// <summary>Appends one event and folds it into <see cref="Objects"/>; returns the stored record.</summary>
    public JournalRecord Append(JournalEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Operation == JournalOperation.Unknown || e.Kind == JournalObjectKind.Unknown)
        {
            throw new ArgumentException($"journal event {e} needs an operation and a kind", nameof(e));
        }

        lock (gate)
        {
            ObjectDisposedException.ThrowIf(segment is null, this);
            JournalRecord record = new()
            {
                Sequence = lastSequence + 1,
                UnixTimeMilliseconds = time.GetUtcNow().ToUnixTimeMilliseconds(),
                Event = e,
            };
            byte[] frame = JournalFraming.FrameValue(record);
            segment.Write(frame);
            segment.Flush(flushToDisk: options.SyncEachAppend);
            lastSequence = record.Sequence;
            objects.Apply(e);
            Interlocked.Add(ref totalBytes, frame.Length);
            if (segment.Length >= options.SegmentMaxBytes)
            {
                segment.Dispose();
                segment = null;
                OpenSegment();
                Snapshot();
            }

            return record;
        }
    }

    /// <summary>Writes a snapshot of the current object set and prunes what it makes unnecessary.</summary>
    public void Snapshot()
    {
        lock (gate)
        {
            if (lastSequence == lastSnapshotSequence && File.Exists(Path.Combine(options.Directory, JournalFiles.SnapshotName(lastSequence))))
            {
                return;
            }

            JournalSnapshot snapshot = objects.ToSnapshot(lastSequence, time.GetUtcNow().ToUnixTimeMilliseconds());
            string final = Path.Combine(options.Directory, JournalFiles.SnapshotName(lastSequence));
            string temp = final + ".tmp";
            using (FileStream stream = new(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(JournalFraming.FileHeader(JournalFraming.SnapshotMagic));
                stream.Write(JournalFraming.FrameValue(snapshot));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, final, overwrite: true);
            lastSnapshotSequence = lastSequence;
            JournalLog.SnapshotWritten(logger, lastSequence, snapshot.Objects.Count);
            Prune();
            RecountBytes();
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            segment?.Dispose();
            segment = null;
        }
    }

    private void OpenSegment()
    {
        List<(ulong First, string Path)> segments = JournalFiles.Segments(options.Directory);
        if (segments.Count > 0 && new FileInfo(segments[^1].Path).Length < options.SegmentMaxBytes)
        {
            segment = new FileStream(segments[^1].Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            return;
        }

        string path = Path.Combine(options.Directory, JournalFiles.SegmentName(lastSequence + 1));
        segment = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        segment.Write(JournalFraming.FileHeader(JournalFraming.SegmentMagic));
        segment.Flush(flushToDisk: true);
    }

    /// <summary>Keeps the newest snapshots and the segments holding records after the oldest kept one.</summary>
    private void Prune()
    {
        List<(ulong Sequence, string Path)> snapshots = JournalFiles.Snapshots(options.Directory);
        int keep = Math.Max(1, options.SnapshotsToKeep);
        for (int i = 0; i < snapshots.Count - keep; i++)
        {
            File.Delete(snapshots[i].Path);
        }

        ulong covered = snapshots[Math.Max(0, snapshots.Count - keep)].Sequence;
        List<(ulong First, string Path)> segments = JournalFiles.Segments(options.Directory);
        for (int i = 0; i + 1 < segments.Count; i++)
        {
            // Segment i holds records First(i) .. First(i+1)-1.
            if (segments[i + 1].First - 1 <= covered)
            {
                File.Delete(segments[i].Path);
                JournalLog.SegmentPruned(logger, segments[i].Path);
            }
        }
    }

    private void RecountBytes()
    {
        long bytes = new DirectoryInfo(options.Directory).EnumerateFiles().Sum(f => f.Length);
        Interlocked.Exchange(ref totalBytes, bytes);
    }
}
