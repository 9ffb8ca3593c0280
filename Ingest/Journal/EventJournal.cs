using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.Resolver.Events;

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
    private readonly JournalOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly JournalObjectSet _objects;
    private FileStream? _segment;
    private ulong _lastSequence;
    private ulong _lastSnapshotSequence;
    private long _totalBytes;

    private EventJournal(JournalOptions options, TimeProvider time, ILogger logger, JournalReadResult restored)
    {
        _options = options;
        _time = time;
        _logger = logger;
        Restored = restored;
        _objects = restored.Objects;
        _lastSequence = restored.LastSequence;
        _lastSnapshotSequence = restored.Snapshot?.Sequence ?? 0;
    }

    /// <summary>What <see cref="Open"/> found on disk.</summary>
    public JournalReadResult Restored { get; }

    /// <summary>The live object set after the last appended event.</summary>
    public JournalObjectSet Objects
    {
        get
        {
            lock (_gate)
            {
                return _objects;
            }
        }
    }

    public ulong LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _lastSequence;
            }
        }
    }

    /// <summary>Bytes the journal's files take on disk.</summary>
    public long TotalBytes => Interlocked.Read(ref _totalBytes);

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
        if (e.Operation == JournalOperation.Unknown || e.Kind == ResourceKind.Unknown)
        {
            throw new ArgumentException($"journal event {e} needs an operation and a kind", nameof(e));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_segment is null, this);
            JournalRecord record = new()
            {
                Sequence = _lastSequence + 1,
                UnixTimeMilliseconds = _time.GetUtcNow().ToUnixTimeMilliseconds(),
                Event = e,
            };
            byte[] frame = JournalFraming.FrameValue(record);
            _segment.Write(frame);
            _segment.Flush(flushToDisk: _options.SyncEachAppend);
            _lastSequence = record.Sequence;
            _objects.Apply(e);
            Interlocked.Add(ref _totalBytes, frame.Length);
            if (_segment.Length >= _options.SegmentMaxBytes)
            {
                _segment.Dispose();
                _segment = null;
                OpenSegment();
                Snapshot();
            }

            return record;
        }
    }

    /// <summary>Writes a snapshot of the current object set and prunes what it makes unnecessary.</summary>
    public void Snapshot()
    {
        lock (_gate)
        {
            if (_lastSequence == _lastSnapshotSequence && File.Exists(Path.Combine(_options.Directory, JournalFiles.SnapshotName(_lastSequence))))
            {
                return;
            }

            JournalSnapshot snapshot = _objects.ToSnapshot(_lastSequence, _time.GetUtcNow().ToUnixTimeMilliseconds());
            string final = Path.Combine(_options.Directory, JournalFiles.SnapshotName(_lastSequence));
            string temp = final + ".tmp";
            using (FileStream stream = new(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(JournalFraming.FileHeader(JournalFraming.SnapshotMagic));
                stream.Write(JournalFraming.FrameValue(snapshot));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, final, overwrite: true);
            _lastSnapshotSequence = _lastSequence;
            JournalLog.SnapshotWritten(_logger, _lastSequence, snapshot.Objects.Count);
            Prune();
            RecountBytes();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _segment?.Dispose();
            _segment = null;
        }
    }

    private void OpenSegment()
    {
        List<(ulong First, string Path)> segments = JournalFiles.Segments(_options.Directory);
        if (segments.Count > 0 && new FileInfo(segments[^1].Path).Length < _options.SegmentMaxBytes)
        {
            _segment = new FileStream(segments[^1].Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            return;
        }

        string path = Path.Combine(_options.Directory, JournalFiles.SegmentName(_lastSequence + 1));
        _segment = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        _segment.Write(JournalFraming.FileHeader(JournalFraming.SegmentMagic));
        _segment.Flush(flushToDisk: true);
    }

    /// <summary>Keeps the newest snapshots and the segments holding records after the oldest kept one.</summary>
    private void Prune()
    {
        List<(ulong Sequence, string Path)> snapshots = JournalFiles.Snapshots(_options.Directory);
        int keep = Math.Max(1, _options.SnapshotsToKeep);
        for (int i = 0; i < snapshots.Count - keep; i++)
        {
            File.Delete(snapshots[i].Path);
        }

        ulong covered = snapshots[Math.Max(0, snapshots.Count - keep)].Sequence;
        List<(ulong First, string Path)> segments = JournalFiles.Segments(_options.Directory);
        for (int i = 0; i + 1 < segments.Count; i++)
        {
            // Segment i holds records First(i) .. First(i+1)-1.
            if (segments[i + 1].First - 1 <= covered)
            {
                File.Delete(segments[i].Path);
                JournalLog.SegmentPruned(_logger, segments[i].Path);
            }
        }
    }

    private void RecountBytes()
    {
        long bytes = new DirectoryInfo(_options.Directory).EnumerateFiles().Sum(f => f.Length);
        Interlocked.Exchange(ref _totalBytes, bytes);
    }
}
