using MessagePack;
using Npa.Ingest.Journal;
using Npa.Resolver.Events;

namespace Npa.Ingest.Tests.Journal;

public class EventJournalTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static JournalObjectSet Fold(IEnumerable<JournalEvent> events)
    {
        JournalObjectSet set = new();
        foreach (JournalEvent e in events)
        {
            set.Apply(e);
        }

        return set;
    }

    /// <summary>A canonical text of an object set, for equality of whole sets.</summary>
    private static string Canonical(JournalObjectSet set) =>
        MessagePackSerializer.SerializeToJson(set.ToSnapshot(0, 0));

    private static EventJournal OpenAt(string directory, long segmentMaxBytes = 8 * 1024 * 1024, TimeProvider? time = null) =>
        EventJournal.Open(new JournalOptions { Directory = directory, SegmentMaxBytes = segmentMaxBytes }, time ?? new ManualTime(Start));

    private static void Write(string directory, IEnumerable<JournalEvent> events, long segmentMaxBytes = 8 * 1024 * 1024)
    {
        using EventJournal journal = OpenAt(directory, segmentMaxBytes);
        foreach (JournalEvent e in events)
        {
            journal.Append(e);
        }
    }

    [Fact]
    public void AppendedEvents_AreReadBackInOrder_WithGapFreeSequences()
    {
        using TempJournalDirectory dir = new();
        List<JournalEvent> events = JournalSamples.Stream(40);

        Write(dir.Path, events);
        JournalReadResult read = JournalReader.Read(dir.Path, repair: false);

        Assert.Empty(read.Problems);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => (ulong)i), read.Records.Select(r => r.Sequence));
        Assert.Equal(events.Select(e => e.ToString()), read.Records.Select(r => r.Event.ToString()));
        Assert.Equal(Canonical(Fold(events)), Canonical(read.Objects));
    }

    [Fact]
    public void Reopen_RestoresObjectSet_AndContinuesTheSequence()
    {
        using TempJournalDirectory dir = new();
        List<JournalEvent> events = JournalSamples.Stream(30);
        Write(dir.Path, events.Take(20));

        using (EventJournal journal = OpenAt(dir.Path))
        {
            Assert.Equal(20ul, journal.LastSequence);
            Assert.Equal(Canonical(Fold(events.Take(20))), Canonical(journal.Objects));
            foreach (JournalEvent e in events.Skip(20))
            {
                journal.Append(e);
            }

            Assert.Equal(30ul, journal.LastSequence);
        }

        using EventJournal reopened = OpenAt(dir.Path);
        Assert.Empty(reopened.Restored.Problems);
        Assert.Equal(30ul, reopened.LastSequence);
        Assert.Equal(Canonical(Fold(events)), Canonical(reopened.Objects));
    }

    [Fact]
    public void TornLastRecord_AtEveryByteOffset_IsTruncatedWithAProblem_AndAppendsContinue()
    {
        using TempJournalDirectory dir = new();
        List<JournalEvent> events = JournalSamples.Stream(6);
        Write(dir.Path, events.Take(5));
        long goodLength = new FileInfo(dir.Segments.Single()).Length;
        Write(dir.Path, events.Skip(5));
        string segmentName = Path.GetFileName(dir.Segments.Single());
        byte[] full = File.ReadAllBytes(dir.Segments.Single());
        Assert.True(full.Length > goodLength + JournalFraming.FrameHeaderSize);

        for (long cut = goodLength + 1; cut < full.Length; cut++)
        {
            using TempJournalDirectory copy = dir.Copy();
            string segment = Path.Combine(copy.Path, segmentName);
            File.WriteAllBytes(segment, full.AsSpan(0, (int)cut).ToArray());

            using (EventJournal journal = OpenAt(copy.Path))
            {
                JournalProblem problem = Assert.Single(journal.Restored.Problems);
                Assert.Equal(goodLength, problem.Offset);
                Assert.Contains(problem.Kind, new[] { FrameProblem.Torn, FrameProblem.BadLength });
                Assert.Equal(5ul, journal.LastSequence);
                Assert.Equal(Canonical(Fold(events.Take(5))), Canonical(journal.Objects));
                Assert.Equal(6ul, journal.Append(events[5]).Sequence);
            }

            JournalReadResult after = JournalReader.Read(copy.Path, repair: false);
            Assert.Empty(after.Problems);
            Assert.Equal(Canonical(Fold(events)), Canonical(after.Objects));
        }
    }

    [Fact]
    public void CorruptChecksumInLastRecord_IsDetectedAndTruncated_NeverFatal()
    {
        using TempJournalDirectory dir = new();
        List<JournalEvent> events = JournalSamples.Stream(8);
        Write(dir.Path, events.Take(7));
        long goodLength = new FileInfo(dir.Segments.Single()).Length;
        Write(dir.Path, events.Skip(7));
        string segment = dir.Segments.Single();
        byte[] bytes = File.ReadAllBytes(segment);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(segment, bytes);

        using EventJournal journal = OpenAt(dir.Path);

        JournalProblem problem = Assert.Single(journal.Restored.Problems);
        Assert.Equal(FrameProblem.Checksum, problem.Kind);
        Assert.Equal(goodLength, problem.Offset);
        Assert.Equal(7ul, journal.LastSequence);
        Assert.Equal(Canonical(Fold(events.Take(7))), Canonical(journal.Objects));
    }

    [Fact]
    public void ReadOnlyRead_OfADamagedJournal_ChangesNoFile()
    {
        using TempJournalDirectory dir = new();
        Write(dir.Path, JournalSamples.Stream(5));
        string segment = dir.Segments.Single();
        byte[] bytes = File.ReadAllBytes(segment);
        File.WriteAllBytes(segment, bytes.AsSpan(0, bytes.Length - 2).ToArray());
        byte[] before = File.ReadAllBytes(segment);

        JournalReadResult read = JournalReader.Read(dir.Path, repair: false);

        Assert.Equal(FrameProblem.Torn, Assert.Single(read.Problems).Kind);
        Assert.Equal(4, read.Records.Count);
        Assert.Equal(before, File.ReadAllBytes(segment));
    }

    [Fact]
    public void SnapshotPlusTail_EqualsFullReplay_AcrossRolledAndPrunedSegments()
    {
        using TempJournalDirectory dir = new();
        List<JournalEvent> events = JournalSamples.Stream(400);
        Write(dir.Path, events, segmentMaxBytes: 4096);

        Assert.NotEmpty(dir.Snapshots);
        Assert.True(dir.Snapshots.Length <= 2, "old snapshots are pruned");
        JournalReadResult read = JournalReader.Read(dir.Path, repair: false);

        Assert.Empty(read.Problems);
        Assert.NotNull(read.Snapshot);
        Assert.True(read.Records.Count < events.Count, "start-up replays only the tail after the snapshot");
        Assert.Equal(400ul, read.LastSequence);
        Assert.Equal(Canonical(Fold(events)), Canonical(read.Objects));
    }

    [Fact]
    public void PrunedJournal_KeepsOnlySegmentsAfterTheOldestKeptSnapshot()
    {
        using TempJournalDirectory dir = new();
        Write(dir.Path, JournalSamples.Stream(400), segmentMaxBytes: 4096);

        ulong oldestSnapshot = ulong.Parse(Path.GetFileNameWithoutExtension(dir.Snapshots[0])["snap-".Length..]);
        ulong[] segmentStarts = dir.Segments.Select(s => ulong.Parse(Path.GetFileNameWithoutExtension(s)["seg-".Length..])).ToArray();

        // Every segment but the first kept one starts after the oldest snapshot.
        Assert.All(segmentStarts.Skip(1), first => Assert.True(first > oldestSnapshot));
    }

    [Fact]
    public void CorruptNewestSnapshot_FallsBackToTheOlderOne_WithTheSameResult()
    {
        using TempJournalDirectory dir = new();
        List<JournalEvent> events = JournalSamples.Stream(400);
        Write(dir.Path, events, segmentMaxBytes: 4096);
        string newest = dir.Snapshots[^1];
        byte[] bytes = File.ReadAllBytes(newest);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(newest, bytes);

        JournalReadResult read = JournalReader.Read(dir.Path, repair: false);

        Assert.Contains(read.Problems, p => p.File == newest);
        Assert.Equal(Canonical(Fold(events)), Canonical(read.Objects));
    }

    [Fact]
    public void ReadUntil_StopsAtTheFirstRecordAfterTheTime()
    {
        using TempJournalDirectory dir = new();
        ManualTime time = new(Start);
        List<JournalEvent> events = JournalSamples.Stream(20);
        using (EventJournal journal = OpenAt(dir.Path, time: time))
        {
            foreach (JournalEvent e in events)
            {
                journal.Append(e);
                time.Advance(TimeSpan.FromMinutes(1));
            }
        }

        JournalReadResult read = JournalReader.Read(dir.Path, repair: false, until: Start.AddMinutes(9.5));

        Assert.Equal(10, read.Records.Count);
        Assert.Equal(Canonical(Fold(events.Take(10))), Canonical(read.Objects));
    }

    [Fact]
    public void EmptyOrMissingDirectory_ReadsAsEmpty()
    {
        JournalReadResult read = JournalReader.Read(Path.Combine(Path.GetTempPath(), $"npa-journal-missing-{Guid.NewGuid():N}"), repair: false);

        Assert.Empty(read.Records);
        Assert.Equal(0, read.Objects.Count);
        Assert.Equal(0ul, read.LastSequence);
    }

    [Fact]
    public void EventWithoutOperation_IsRejectedWithAClearError()
    {
        using TempJournalDirectory dir = new();
        using EventJournal journal = OpenAt(dir.Path);

        ArgumentException error = Assert.Throws<ArgumentException>(() => journal.Append(new JournalEvent { Kind = ResourceKind.Pod, Name = "x" }));
        Assert.Contains("operation", error.Message);
    }
}
