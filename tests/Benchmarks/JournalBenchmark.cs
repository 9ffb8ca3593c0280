using Npa.Resolver.Events;
using System.Diagnostics;
using System.Net;
using Npa.Ingest.Journal;
using Npa.Resolver.Model;

namespace Npa.Benchmarks;

/// <summary>
/// <c>journal</c>: append rate of pod events (flush to the OS per append, next to fsync per append),
/// and start-up restore time after N events from snapshot + tail, next to a full replay of one
/// never-rolled segment, measured in the same run. Args: [events (50000)].
/// </summary>
internal static class JournalBenchmark
{
    public static int Run(string[] args)
    {
        int events = args.Length > 0 && int.TryParse(args[0], out int n) ? n : 50000;
        List<JournalEvent> stream = Stream(events);
        string rolled = NewDir();
        string single = NewDir();
        string synced = NewDir();
        try
        {
            double rolledRate = Append(rolled, stream, new JournalOptions { Directory = rolled, SegmentMaxBytes = 1 << 20 });
            double singleRate = Append(single, stream, new JournalOptions { Directory = single, SegmentMaxBytes = long.MaxValue, SnapshotsToKeep = 1 });
            int syncedCount = Math.Min(2000, events);
            double syncedRate = Append(synced, stream.Take(syncedCount).ToList(),
                new JournalOptions { Directory = synced, SyncEachAppend = true, SegmentMaxBytes = long.MaxValue });

            // Delete the start-up snapshot of the single-segment journal so it replays every record.
            foreach (string snap in Directory.GetFiles(single, "snap-*"))
            {
                File.Delete(snap);
            }

            (double snapshotMs, JournalReadResult a) = Restore(rolled);
            (double fullMs, JournalReadResult b) = Restore(single);
            Console.WriteLine($"journal: {events} pod events over {a.Objects.Count} live objects");
            Console.WriteLine($"  append, flush to OS       : {rolledRate,10:F0} events/s (rolling 1 MiB segments + snapshots)");
            Console.WriteLine($"  append, one segment       : {singleRate,10:F0} events/s");
            Console.WriteLine($"  append, fsync each        : {syncedRate,10:F0} events/s ({syncedCount} events) = {rolledRate / syncedRate:F1}x slower than flush");
            Console.WriteLine($"  on-disk bytes (rolled)    : {DirBytes(rolled),10} ({a.Records.Count} records after snapshot {a.Snapshot?.Sequence})");
            Console.WriteLine($"  on-disk bytes (one seg)   : {DirBytes(single),10}");
            Console.WriteLine($"  restore snapshot + tail   : {snapshotMs,10:F1} ms");
            Console.WriteLine($"  restore full replay       : {fullMs,10:F1} ms = {fullMs / snapshotMs:F1}x the snapshot restore");
            Console.WriteLine($"  same object set           : {a.Objects.Count == b.Objects.Count && a.Objects.Keys.SequenceEqual(b.Objects.Keys)}");
            return 0;
        }
        finally
        {
            foreach (string d in new[] { rolled, single, synced })
            {
                Directory.Delete(d, recursive: true);
            }
        }
    }

    private static string NewDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"npa-journal-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static long DirBytes(string dir) => new DirectoryInfo(dir).EnumerateFiles().Sum(f => f.Length);

    private static double Append(string dir, List<JournalEvent> stream, JournalOptions options)
    {
        using EventJournal journal = EventJournal.Open(options);
        Stopwatch sw = Stopwatch.StartNew();
        foreach (JournalEvent e in stream)
        {
            journal.Append(e);
        }

        return stream.Count / sw.Elapsed.TotalSeconds;
    }

    private static (double Ms, JournalReadResult Result) Restore(string dir)
    {
        Stopwatch sw = Stopwatch.StartNew();
        JournalReadResult result = JournalReader.Read(dir, repair: false);
        return (sw.Elapsed.TotalMilliseconds, result);
    }

    /// <summary>Pods of 2,000 names updated over and over (label and address churn), some deleted.</summary>
    private static List<JournalEvent> Stream(int count)
    {
        Random random = new(11);
        List<JournalEvent> list = new(count);
        for (int i = 0; i < count; i++)
        {
            int id = random.Next(2000);
            if (i % 10 == 9)
            {
                list.Add(JournalModelMapper.Delete(ResourceKind.Pod, "bench", $"pod-{id}"));
                continue;
            }

            PodInfo pod = new("bench", $"pod-{id}",
                new Dictionary<string, string> { ["app"] = $"app-{id % 40}", ["rev"] = $"{i % 7}", ["team"] = "bench" },
                [new IPAddress([10, 1, (byte)(id / 250), (byte)(id % 250)])], [new ContainerPort("http", 8080, Protocol.Tcp)])
            {
                Uid = $"uid-{id}-{i % 3}",
                NodeName = "node-a",
            };
            list.Add(JournalModelMapper.Upsert(pod));
        }

        return list;
    }
}
