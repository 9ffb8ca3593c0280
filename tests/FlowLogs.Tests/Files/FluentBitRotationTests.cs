using System.Text;
using Npa.FlowLogs.Files;
using Npa.FlowLogs.Pipeline;
using Npa.Tests.Shared;

namespace Npa.FlowLogs.Tests.Files;

/// <summary>
/// The flow-log file against a model of Fluent Bit's <c>tail</c> input with the EKS user guide's settings
/// (<c>Path .../network-policy-agent*.log</c>, <c>DB</c>, <c>Refresh_Interval 10</c>, default <c>Rotate_Wait</c> 5 s).
/// </summary>
public sealed class FluentBitRotationTests
{
    private const string UserGuideGlob = "network-policy-agent*.log";

    private static string Line(int i) => $"{{\"seq\":{i},\"pad\":\"{new string('x', i % 50)}\"}}";

    [Fact]
    public async Task WithTheUserGuidesInput_EveryLineIsShippedExactlyOnce_AcrossManyRotations()
    {
        using TempDirectory dir = new();
        FlowLogCounters counters = new();
        FlowLogFileOptions options = new() { Directory = dir.Path, MaxFileBytes = 2048, MaxBackups = 1000, ChunkBytes = 512 };
        using FluentBitTailModel fluentBit = new(dir.Path, UserGuideGlob, [], readFromHead: false);
        DateTime now = new(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc);
        fluentBit.Scan(now); // started before the agent: nothing there yet
        int written = 0;
        await using (FlowLogFileWriter writer = new(options, counters))
        {
            // About 45 lines fill a file: one rotation every 15 s, more often than any real node rotates 200 MB,
            // but slower than the 10 s scan that discovers each new file.
            for (int second = 1; second <= 300; second++)
            {
                for (int i = 0; i < 3; i++)
                {
                    writer.WriteLine(Encoding.UTF8.GetBytes(Line(written++) + "\n"));
                }

                writer.Flush();
                Assert.True(await Poll.UntilAsync(() => LinesOnDisk(options) == written), "the writer did not write every line");
                now = now.AddSeconds(1);
                fluentBit.Poll(now);
                if (second % 10 == 0)
                {
                    fluentBit.Scan(now);
                }
            }
        }

        for (int second = 0; second < 30; second++)
        {
            now = now.AddSeconds(1);
            fluentBit.Poll(now);
            if (second % 10 == 0)
            {
                fluentBit.Scan(now);
            }
        }

        Assert.True(counters.Rotations >= 10, $"only {counters.Rotations} rotations");
        Assert.Equal(Enumerable.Range(0, written).Select(Line), fluentBit.Emitted);
    }

    [Fact]
    public void TheModel_ReproducesTheMeasuredDuplicates_OfBackupsNamedToMatchTheGlob()
    {
        // As measured with Fluent Bit 5.1: a rotated file still named network-policy-agent-<stamp>.log is read twice.
        using TempDirectory dir = new();
        FlowLogFileSet set = new(dir.Path, FlowLogFileOptions.DefaultFileName);
        using FluentBitTailModel fluentBit = new(dir.Path, UserGuideGlob, []);
        DateTime now = new(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc);
        fluentBit.Scan(now);
        int written = 0;
        for (int rotation = 0; rotation < 3; rotation++)
        {
            for (int second = 0; second < 20; second++)
            {
                File.AppendAllText(set.CurrentPath, string.Concat(Enumerable.Range(0, 10).Select(_ => Line(written++) + "\n")));
                now = now.AddSeconds(1);
                fluentBit.Poll(now);
                if (second % 10 == 0)
                {
                    fluentBit.Scan(now);
                }
            }

            File.Move(set.CurrentPath, set.LegacyBackupPath(now.AddMinutes(rotation)));
        }

        File.AppendAllText(set.CurrentPath, Line(written++) + "\n");
        for (int second = 0; second < 30; second++)
        {
            now = now.AddSeconds(1);
            fluentBit.Poll(now);
            if (second % 10 == 0)
            {
                fluentBit.Scan(now);
            }
        }

        Assert.Equal(written, fluentBit.Emitted.Distinct().Count());
        Assert.Equal(written + 600, fluentBit.Emitted.Count); // every line of the three rotated files, twice
    }

    [Fact]
    public async Task FluentBitDownAcrossARotation_MissesOnlyTheRotatedFilesUnreadLines_WhichNpaFlowsStillReads()
    {
        using TempDirectory dir = new();
        FlowLogFileOptions options = new() { Directory = dir.Path, MaxFileBytes = 2048, MaxBackups = 1000, ChunkBytes = 512 };
        Dictionary<FileIdentity, long> db = [];
        DateTime now = new(2026, 12, 4, 0, 0, 0, DateTimeKind.Utc);
        List<string> shipped = [];
        int written = 0;
        await using (FlowLogFileWriter writer = new(options, new FlowLogCounters()))
        {
            void Write(int count)
            {
                for (int i = 0; i < count; i++)
                {
                    writer.WriteLine(Encoding.UTF8.GetBytes(Line(written++) + "\n"));
                }

                writer.Flush();
            }

            using (FluentBitTailModel first = new(dir.Path, UserGuideGlob, db, readFromHead: true))
            {
                first.Scan(now);
                Write(20);
                Assert.True(await Poll.UntilAsync(() => LinesOnDisk(options) == written));
                first.Scan(now = now.AddSeconds(10));
                shipped.AddRange(first.Emitted);
            }

            // Fluent Bit is down while the file rotates (2 KiB hold about 45 lines) and more lines follow.
            int beforeDown = written;
            Write(60);
            Assert.True(await Poll.UntilAsync(() => LinesOnDisk(options) == written));
            using FluentBitTailModel second = new(dir.Path, UserGuideGlob, db, readFromHead: true);
            second.Scan(now = now.AddSeconds(60));
            second.Poll(now = now.AddSeconds(10));
            shipped.AddRange(second.Emitted);

            Assert.Equal(shipped.Count, shipped.Distinct().Count()); // still never twice
            string[] missed = [.. Enumerable.Range(0, written).Select(Line).Except(shipped)];
            Assert.NotEmpty(missed);
            Assert.All(missed, m => Assert.True(int.Parse(m.Split(',')[0].Split(':')[1]) >= beforeDown - 20, $"{m} was lost, not a line of the rotated file"));
        }

        // The lines it missed are still on the node, in order: npa flows reads the backups.
        IReadOnlyList<string> onDisk = [.. new FlowLogFileSet(dir.Path, options.FileName).AllInOrder().SelectMany(File.ReadLines)];
        Assert.Equal(Enumerable.Range(0, written).Select(Line), onDisk);
    }

    private static int LinesOnDisk(FlowLogFileOptions options) =>
        new FlowLogFileSet(options.Directory, options.FileName).AllInOrder().Sum(f => File.ReadLines(f).Count());
}
