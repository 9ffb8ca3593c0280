using MessagePack;

namespace Npa.Ingest.Journal;

/// <summary>
/// Reads a journal directory: the newest snapshot that decodes, then every record after it.
/// A bad frame ends the reading of its segment. In repair mode (the agent at start-up) a bad tail
/// of the newest segment is cut off so appends continue after the last good record; read-only mode
/// (<c>npa replay</c>) never changes a file.
/// </summary>
public static class JournalReader
{
    /// <param name="directory">The journal directory; missing means empty.</param>
    /// <param name="repair">Truncate a torn or corrupt tail of the newest segment.</param>
    /// <param name="until">Ignore records (and prefer snapshots) later than this time.</param>
    public static JournalReadResult Read(string directory, bool repair, DateTimeOffset? until = null)
    {
        List<JournalProblem> problems = [];
        JournalSnapshot? snapshot = ReadNewestSnapshot(directory, until, problems);
        JournalObjectSet objects = JournalObjectSet.From(snapshot);
        ulong last = snapshot?.Sequence ?? 0;
        List<JournalRecord> records = [];
        long untilMs = until?.ToUnixTimeMilliseconds() ?? long.MaxValue;
        bool stopped = false;

        List<(ulong First, string Path)> segments = JournalFiles.Segments(directory);
        for (int i = 0; i < segments.Count && !stopped; i++)
        {
            bool newest = i == segments.Count - 1;
            string path = segments[i].Path;
            if (i + 1 < segments.Count && segments[i + 1].First <= last + 1)
            {
                continue; // every record of this segment is in the snapshot
            }

            foreach (JournalRecord record in ReadSegment(path, repair && newest, problems))
            {
                if (record.Sequence <= last)
                {
                    continue;
                }

                if (record.UnixTimeMilliseconds > untilMs)
                {
                    stopped = true;
                    break;
                }

                if (record.Sequence != last + 1)
                {
                    problems.Add(new JournalProblem(path, 0, FrameProblem.None,
                        $"records {last + 1}..{record.Sequence - 1} are missing; continuing from {record.Sequence}"));
                }

                objects.Apply(record.Event);
                records.Add(record);
                last = record.Sequence;
            }
        }

        return new JournalReadResult(snapshot, records, objects, last, problems);
    }

    /// <summary>Every good record of one segment file, in file order.</summary>
    internal static List<JournalRecord> ReadSegment(string path, bool repair, List<JournalProblem> problems)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (!JournalFraming.IsValidHeader(bytes, JournalFraming.SegmentMagic))
        {
            bool torn = bytes.Length < JournalFraming.FileHeaderSize &&
                        JournalFraming.SegmentMagic[..Math.Min(4, bytes.Length)].SequenceEqual(bytes.AsSpan(0, Math.Min(4, bytes.Length)));
            if (repair)
            {
                File.Delete(path);
            }

            problems.Add(new JournalProblem(path, 0, torn ? FrameProblem.Torn : FrameProblem.BadHeader,
                repair ? "segment deleted" : "segment skipped"));
            return [];
        }

        List<JournalRecord> records = JournalFraming.ReadFrames<JournalRecord>(
            bytes.AsMemory(JournalFraming.FileHeaderSize), out int valid, out FrameProblem problem);
        if (problem != FrameProblem.None)
        {
            long offset = JournalFraming.FileHeaderSize + valid;
            string action = repair ? $"truncated to {offset} bytes" : "rest of segment ignored";
            if (repair)
            {
                using FileStream stream = new(path, FileMode.Open, FileAccess.Write);
                stream.SetLength(offset);
                stream.Flush(flushToDisk: true);
            }

            problems.Add(new JournalProblem(path, offset, problem, action));
        }

        return records;
    }

    private static JournalSnapshot? ReadNewestSnapshot(string directory, DateTimeOffset? until, List<JournalProblem> problems)
    {
        List<(ulong Sequence, string Path)> snapshots = JournalFiles.Snapshots(directory);
        for (int i = snapshots.Count - 1; i >= 0; i--)
        {
            string path = snapshots[i].Path;
            byte[] bytes = File.ReadAllBytes(path);
            if (!JournalFraming.IsValidHeader(bytes, JournalFraming.SnapshotMagic))
            {
                problems.Add(new JournalProblem(path, 0, FrameProblem.BadHeader, "snapshot skipped"));
                continue;
            }

            List<JournalSnapshot> frames = JournalFraming.ReadFrames<JournalSnapshot>(
                bytes.AsMemory(JournalFraming.FileHeaderSize), out int valid, out FrameProblem problem);
            if (frames.Count != 1 || problem != FrameProblem.None)
            {
                problems.Add(new JournalProblem(path, JournalFraming.FileHeaderSize + valid,
                    problem == FrameProblem.None ? FrameProblem.Undecodable : problem, "snapshot skipped"));
                continue;
            }

            if (until is not null && frames[0].UnixTimeMilliseconds > until.Value.ToUnixTimeMilliseconds())
            {
                continue;
            }

            return frames[0];
        }

        return null;
    }

    /// <summary>Decodes one record payload (tests and tools).</summary>
    internal static JournalRecord Decode(byte[] payload) => MessagePackSerializer.Deserialize<JournalRecord>(payload, JournalSerializer.Options);
}
