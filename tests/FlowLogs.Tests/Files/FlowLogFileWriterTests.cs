using System.Text;
using System.Text.Json;
using Npa.FlowLogs.Files;
using Npa.FlowLogs.Pipeline;
using Npa.Tests.Shared;

namespace Npa.FlowLogs.Tests.Files;

public class FlowLogFileWriterTests
{
    private static byte[] Line(int producer, int i) =>
        Encoding.UTF8.GetBytes($"{{\"producer\":{producer},\"seq\":{i},\"pad\":\"{new string('x', i % 97)}\"}}\n");

    [Fact]
    public async Task ManyRotations_EveryLineAppearsExactlyOnceWholeAndParses()
    {
        using TempDirectory dir = new();
        FlowLogCounters counters = new();
        FlowLogFileOptions options = new()
        {
            Directory = dir.Path,
            MaxFileBytes = 16 * 1024,
            MaxBackups = 10_000, // keep everything so the test can count every line
            ChunkBytes = 4096,
            ChannelCapacity = 100_000,
        };
        const int Producers = 4;
        const int PerProducer = 20_000;

        // The producer thread races the writer task across many rotations (one producer per writer by design).
        await using (FlowLogFileWriter writer = new(options, counters))
        {
            Task produce = Task.Run(() =>
            {
                for (int i = 0; i < PerProducer; i++)
                {
                    for (int p = 0; p < Producers; p++)
                    {
                        writer.WriteLine(Line(p, i));
                    }

                    if (i % 1000 == 0)
                    {
                        writer.Flush();
                    }
                }
            });
            await produce.WaitAsync(TestTimeouts.Default);
        }

        IReadOnlyList<string> files = new FlowLogFileSet(dir.Path, options.FileName).AllInOrder();
        Assert.True(files.Count > 20, $"expected many rotations, got {files.Count} files");
        Assert.Equal(files.Count - 1, counters.Rotations);

        HashSet<(int, int)> seen = [];
        foreach (string file in files)
        {
            byte[] content = await File.ReadAllBytesAsync(file).WaitAsync(TestTimeouts.Default);
            Assert.True(content.Length <= options.MaxFileBytes, $"{file} has {content.Length} bytes");
            Assert.Equal((byte)'\n', content[^1]); // never a split line
            foreach (string line in Encoding.UTF8.GetString(content).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                Assert.True(seen.Add((doc.RootElement.GetProperty("producer").GetInt32(), doc.RootElement.GetProperty("seq").GetInt32())), $"duplicate line {line}");
            }
        }

        Assert.Equal(Producers * PerProducer, seen.Count);
        Assert.Equal(Producers * PerProducer, counters.LinesWritten);
        Assert.Equal(0, counters.FileDropsChannelFull + counters.FileDropsIoError);
    }

    [Fact]
    public async Task RotatedNames_SortInWriteOrderAndStayUniqueWithinOneSecond()
    {
        using TempDirectory dir = new();
        FlowLogCounters counters = new();
        FlowLogFileOptions options = new() { Directory = dir.Path, MaxFileBytes = 1024, MaxBackups = 1000, ChunkBytes = 256, BehindWait = TestTimeouts.Default };

        await using (FlowLogFileWriter writer = new(options, counters))
        {
            for (int i = 0; i < 200; i++)
            {
                writer.WriteLine(Encoding.UTF8.GetBytes($"{{\"seq\":{i},\"pad\":\"{new string('y', 100)}\"}}\n"));
                writer.Flush();
            }
        }

        FlowLogFileSet set = new(dir.Path, options.FileName);
        IReadOnlyList<string> backups = set.Backups();
        Assert.True(backups.Count > 10);
        Assert.Equal(backups.Count, backups.Distinct().Count());
        // Named so that Fluent Bit's network-policy-agent*.log never matches a backup (it would ship it twice).
        Assert.All(backups, b => Assert.Matches(@"network-policy-agent\.log\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}$", b));

        // Reading files in name order yields the lines in write order.
        List<int> order = [];
        foreach (string file in set.AllInOrder())
        {
            foreach (string line in File.ReadAllLines(file))
            {
                order.Add(JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt32());
            }
        }

        Assert.Equal(Enumerable.Range(0, 200), order);
    }

    [Fact]
    public async Task ClockSteppedBackSinceTheLastRun_NewBackupsStillSortAfterTheOldOnes()
    {
        using TempDirectory dir = new();
        DateTime now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
        Microsoft.Extensions.Time.Testing.FakeTimeProvider time = new(now);
        FlowLogCounters counters = new();
        FlowLogFileOptions options = new() { Directory = dir.Path, MaxFileBytes = 1024, MaxBackups = 1, ChunkBytes = 256, BehindWait = TestTimeouts.Default };
        FlowLogFileSet set = new(dir.Path, options.FileName);
        File.WriteAllText(set.BackupPath(now.AddHours(1)), "{\"seq\":-1}\n"); // rotated by a run whose clock was an hour ahead

        await using (FlowLogFileWriter writer = new(options, counters, time))
        {
            for (int i = 0; i < 6; i++)
            {
                writer.WriteLine(Encoding.UTF8.GetBytes($"{{\"seq\":{i},\"pad\":\"{new string('w', 300)}\"}}\n"));
                writer.Flush();
            }
        }

        // The one backup kept is the newest by content; reading in name order gives write order, nothing lost.
        List<int> order = [.. set.AllInOrder().SelectMany(File.ReadAllLines).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("seq").GetInt32())];
        Assert.Equal(1, counters.Rotations);
        Assert.Equal(Enumerable.Range(0, 6), order);
    }

    [Fact]
    public async Task Backups_AreBoundedOldestDeletedFirst()
    {
        using TempDirectory dir = new();
        FlowLogCounters counters = new();
        FlowLogFileOptions options = new() { Directory = dir.Path, MaxFileBytes = 1024, MaxBackups = 3, ChunkBytes = 256, BehindWait = TestTimeouts.Default };

        await using (FlowLogFileWriter writer = new(options, counters))
        {
            for (int i = 0; i < 100; i++)
            {
                writer.WriteLine(Encoding.UTF8.GetBytes($"{{\"seq\":{i},\"pad\":\"{new string('z', 200)}\"}}\n"));
                writer.Flush();
            }
        }

        FlowLogFileSet set = new(dir.Path, options.FileName);
        Assert.Equal(3, set.Backups().Count);
        int last = File.ReadAllLines(set.CurrentPath).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("seq").GetInt32()).Last();
        Assert.Equal(99, last);
    }

    [Fact]
    public async Task UnwritableDirectory_CountsDropsAndNeverThrowsToTheCaller()
    {
        using TempDirectory dir = new();
        string blocker = Path.Combine(dir.Path, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "x").WaitAsync(TestTimeouts.Default);
        FlowLogCounters counters = new();
        FlowLogFileOptions options = new() { Directory = Path.Combine(blocker, "logs"), ChunkBytes = 256, BehindWait = TestTimeouts.Default };

        await using (FlowLogFileWriter writer = new(options, counters))
        {
            for (int i = 0; i < 50; i++)
            {
                writer.WriteLine("{\"a\":1}\n"u8);
                writer.Flush();
            }
        }

        Assert.Equal(50, counters.FileDropsIoError);
        Assert.Equal(0, counters.LinesWritten);
        Assert.True(counters.FileIoErrors >= 1);
    }

    [Fact]
    public async Task AfterAnError_WritingResumesOnceTheRetryTimeHasPassed()
    {
        using TempDirectory dir = new();
        string logs = Path.Combine(dir.Path, "logs");
        await File.WriteAllTextAsync(logs, "blocks the directory").WaitAsync(TestTimeouts.Default);
        Microsoft.Extensions.Time.Testing.FakeTimeProvider time = new();
        FlowLogCounters counters = new();
        FlowLogFileOptions options = new() { Directory = logs, ChunkBytes = 256, RetryAfterError = TimeSpan.FromSeconds(10), BehindWait = TestTimeouts.Default };

        await using (FlowLogFileWriter writer = new(options, counters, time))
        {
            writer.WriteLine("{\"a\":1}\n"u8);
            writer.Flush();
            await WaitUntil(() => counters.FileDropsIoError == 1);

            File.Delete(logs); // the disk is fine again
            writer.WriteLine("{\"a\":2}\n"u8);
            writer.Flush();
            await WaitUntil(() => counters.FileDropsIoError == 2); // still inside the retry delay

            time.Advance(TimeSpan.FromSeconds(11));
            writer.WriteLine("{\"a\":3}\n"u8);
            writer.Flush();
        }

        Assert.Equal(["{\"a\":3}"], File.ReadAllLines(Path.Combine(logs, options.FileName)));
        Assert.Equal(1, counters.LinesWritten);
    }

    [Fact]
    public async Task LineWithEmbeddedNewline_IsRefused()
    {
        using TempDirectory dir = new();
        await using FlowLogFileWriter writer = new(new FlowLogFileOptions { Directory = dir.Path }, new FlowLogCounters());
        Assert.Throws<ArgumentException>(() => writer.WriteLine("{\"a\":\n1}\n"u8));
        Assert.Throws<ArgumentException>(() => writer.WriteLine("{\"a\":1}"u8));
    }

    [Fact]
    public async Task FileRemovedFromOutside_ANewFileIsStartedAndNothingIsLost()
    {
        using TempDirectory dir = new();
        FlowLogCounters counters = new();
        FlowLogFileOptions options = new() { Directory = dir.Path, ChunkBytes = 256, BehindWait = TestTimeouts.Default };
        string path = Path.Combine(dir.Path, options.FileName);

        await using (FlowLogFileWriter writer = new(options, counters))
        {
            writer.WriteLine("{\"a\":1}\n"u8);
            writer.Flush();
            await WaitUntil(() => counters.LinesWritten == 1);
            File.Delete(path);
            writer.WriteLine("{\"a\":2}\n"u8);
            writer.Flush();
        }

        Assert.Equal(["{\"a\":2}"], File.ReadAllLines(path));
        Assert.Equal(0, counters.FileDropsIoError);
    }

    [Fact]
    public async Task FullChannel_WithoutAWait_DropsAndCountsInsteadOfBlocking()
    {
        using TempDirectory dir = new();
        FlowLogCounters counters = new();
        FlowLogFileOptions options = new() { Directory = dir.Path, ChunkBytes = 256, ChannelCapacity = 1, BehindWait = TimeSpan.Zero };
        const int Lines = 20_000;

        await using (FlowLogFileWriter writer = new(options, counters))
        {
            for (int i = 0; i < Lines; i++)
            {
                writer.WriteLine(Encoding.UTF8.GetBytes($"{{\"seq\":{i},\"pad\":\"{new string('q', 50)}\"}}\n"));
            }
        }

        Assert.Equal(Lines, counters.LinesWritten + counters.FileDropsChannelFull);
        Assert.Equal(counters.LinesWritten, File.ReadAllLines(Path.Combine(dir.Path, options.FileName)).Length);
    }

    [Fact]
    public async Task FullChannel_WaitsForAWriterThatIsMerelyBehind_AndLosesNothing()
    {
        using TempDirectory dir = new();
        FlowLogCounters counters = new();
        FlowLogFileOptions options = new() { Directory = dir.Path, ChunkBytes = 256, ChannelCapacity = 1, BehindWait = TestTimeouts.Default };
        const int Lines = 20_000;

        await using (FlowLogFileWriter writer = new(options, counters))
        {
            for (int i = 0; i < Lines; i++)
            {
                writer.WriteLine(Encoding.UTF8.GetBytes($"{{\"seq\":{i},\"pad\":\"{new string('q', 50)}\"}}\n"));
            }
        }

        Assert.Equal(0, counters.FileDropsChannelFull);
        Assert.Equal(Lines, counters.LinesWritten);
        string[] written = File.ReadAllLines(Path.Combine(dir.Path, options.FileName));
        Assert.Equal(Enumerable.Range(0, Lines), written.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("seq").GetInt32()));
    }

    [MountsTmpfsFact]
    public async Task DiskFullMidChunk_TheNextLineStaysWholeAndTheCountsMatchTheFile()
    {
        using SmallTmpfs disk = new(kib: 16);
        Microsoft.Extensions.Time.Testing.FakeTimeProvider time = new();
        FlowLogCounters counters = new();
        FlowLogFileOptions options = new() { Directory = disk.Path, ChunkBytes = 64 * 1024, RetryAfterError = TimeSpan.FromSeconds(10), BehindWait = TestTimeouts.Default };
        const int First = 20; // 20 lines of 1000 bytes: the disk (16 KiB) fills in the middle of the one write
        await using (FlowLogFileWriter writer = new(options, counters, time))
        {
            for (int i = 0; i < First; i++)
            {
                string head = $"{{\"seq\":{i},\"pad\":\"";
                writer.WriteLine(Encoding.UTF8.GetBytes(head + new string('x', 1000 - head.Length - 3) + "\"}\n"));
            }

            writer.Flush();
            await WaitUntil(() => counters.FileIoErrors == 1);

            disk.Grow(kib: 1024); // room again
            time.Advance(TimeSpan.FromSeconds(11));
            writer.WriteLine("{\"seq\":100}\n"u8);
            writer.Flush();
        }

        string[] lines = File.ReadAllLines(Path.Combine(disk.Path, options.FileName));
        Assert.Equal("{\"seq\":100}", lines[^1]); // whole, not glued to what the full disk cut off
        int parsed = lines.Count(l => l.StartsWith('{') && l.EndsWith('}'));
        Assert.Equal(counters.LinesWritten, parsed); // what landed whole is counted written, no more, no less
        Assert.Equal(First + 1, counters.LinesWritten + counters.FileDropsIoError);
    }

    [Fact]
    public void NegativeWait_IsRejectedNamingTheSetting()
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => new FlowLogFileOptions { Directory = "/tmp", BehindWait = TimeSpan.FromSeconds(-1) }.Validate());
        Assert.Contains("wait", ex.Message);
    }

    private static async Task WaitUntil(Func<bool> condition) =>
        Assert.True(await Poll.UntilAsync(condition, TimeSpan.FromMilliseconds(5)), $"waited {TestTimeouts.Default} for a condition that never held");
}
