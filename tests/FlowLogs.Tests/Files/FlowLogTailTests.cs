using System.Text;
using Npa.FlowLogs.Files;
using Npa.FlowLogs.Pipeline;
using Npa.Tests.Shared;

namespace Npa.FlowLogs.Tests.Files;

public class FlowLogTailTests
{
    [Fact]
    public async Task Read_GivesRotatedFilesOldestFirstThenTheCurrentFile()
    {
        using TempDirectory dir = new();
        FlowLogFileOptions options = new() { Directory = dir.Path, MaxFileBytes = 1024, MaxBackups = 100, ChunkBytes = 256, BehindWait = TestTimeouts.Default };
        await using (FlowLogFileWriter writer = new(options, new FlowLogCounters()))
        {
            for (int i = 0; i < 100; i++)
            {
                writer.WriteLine(Encoding.UTF8.GetBytes($"{{\"seq\":{i},\"pad\":\"{new string('a', 80)}\"}}\n"));
                writer.Flush();
            }
        }

        List<string> lines = [];
        await foreach (string line in FlowLogTail.ReadLinesAsync(new FlowLogFileSet(dir.Path, options.FileName), follow: false, TimeSpan.FromMilliseconds(10), CancellationToken.None).WithCancellation(CancellationToken.None))
        {
            lines.Add(line);
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"{{\"seq\":{i},"), lines.Select(l => l[..(l.IndexOf(',') + 1)]));
    }

    [Fact]
    public async Task Follow_ReadsEveryLineOnceAcrossRotations()
    {
        using TempDirectory dir = new();
        const int Total = 600;

        // Every line is flushed on its own, so the writer may fall behind by many chunks on a loaded machine;
        // the channel holds them all, so this test is about following rotations, not about counted drops.
        FlowLogFileOptions options = new() { Directory = dir.Path, MaxFileBytes = 2048, MaxBackups = 1000, ChunkBytes = 256, ChannelCapacity = Total * 2, BehindWait = TestTimeouts.Default };
        FlowLogFileSet set = new(dir.Path, options.FileName);
        FlowLogCounters counters = new();
        using CancellationTokenSource cts = new(TestTimeouts.Default);
        List<string> seen = [];

        Task follow = Task.Run(async () =>
        {
            await foreach (string line in FlowLogTail.ReadLinesAsync(set, follow: true, TimeSpan.FromMilliseconds(5), cts.Token))
            {
                seen.Add(line);
                if (seen.Count == Total)
                {
                    break;
                }
            }
        });

        await using (FlowLogFileWriter writer = new(options, counters))
        {
            for (int i = 0; i < Total; i++)
            {
                writer.WriteLine(Encoding.UTF8.GetBytes($"{{\"seq\":{i},\"pad\":\"{new string('b', 60)}\"}}\n"));
                writer.Flush();
                if (i % 50 == 0)
                {
                    await Task.Delay(2);
                }
            }
        }

        await follow.WaitAsync(TestTimeouts.Default);
        Assert.Equal(0, counters.FileDropsChannelFull);
        Assert.True(counters.Rotations >= 20, $"only {counters.Rotations} rotations: the test did not exercise following across them");
        Assert.Equal(Enumerable.Range(0, Total).Select(i => $"{{\"seq\":{i},"), seen.Select(l => l[..(l.IndexOf(',') + 1)]));
    }

    [Fact]
    public async Task Follow_SeveralRotationsBetweenTwoLooks_ReadsEveryFileOnceInOrder()
    {
        using TempDirectory dir = new();
        FlowLogFileSet set = new(dir.Path, "network-policy-agent.log");
        DateTime stamp = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
        File.WriteAllText(set.CurrentPath, "{\"seq\":0}\n");
        using CancellationTokenSource cts = new(TestTimeouts.Default);
        List<string> seen = [];
        TaskCompletionSource firstSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // The follower looks only every 300 ms, so all the rotations below happen between two looks.
        Task follow = Task.Run(async () =>
        {
            await foreach (string line in FlowLogTail.ReadLinesAsync(set, follow: true, TimeSpan.FromMilliseconds(300), cts.Token))
            {
                seen.Add(line);
                firstSeen.TrySetResult();
                if (seen.Count == 4)
                {
                    break;
                }
            }
        });
        await firstSeen.Task.WaitAsync(TestTimeouts.Default);

        File.AppendAllText(set.CurrentPath, "{\"seq\":1}\n");
        File.Move(set.CurrentPath, set.BackupPath(stamp));
        File.WriteAllText(set.CurrentPath, "{\"seq\":2}\n");
        File.Move(set.CurrentPath, set.BackupPath(stamp.AddMilliseconds(1)));
        File.WriteAllText(set.CurrentPath, "{\"seq\":3}\n");

        await follow.WaitAsync(TestTimeouts.Default);
        Assert.Equal(["{\"seq\":0}", "{\"seq\":1}", "{\"seq\":2}", "{\"seq\":3}"], seen);
    }

    [Fact]
    public async Task Read_CurrentFileAlsoSeenUnderABackupName_IsReadOnce()
    {
        // What a rotation between listing the backups and reading looks like: the file being read as
        // current is also there under a backup name (here a second hard link to the same file).
        using TempDirectory dir = new();
        FlowLogFileSet set = new(dir.Path, "network-policy-agent.log");
        File.WriteAllText(set.BackupPath(new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc)), "{\"seq\":0}\n");
        File.WriteAllText(set.CurrentPath, "{\"seq\":1}\n");
        using (System.Diagnostics.Process ln = System.Diagnostics.Process.Start("ln", [set.CurrentPath, set.BackupPath(new DateTime(2026, 11, 25, 12, 0, 1, DateTimeKind.Utc))])!)
        {
            await ln.WaitForExitAsync().WaitAsync(TestTimeouts.Default);
            Assert.Equal(0, ln.ExitCode);
        }

        List<string> lines = [];
        await foreach (string line in FlowLogTail.ReadLinesAsync(set, follow: false, TimeSpan.FromMilliseconds(10), CancellationToken.None))
        {
            lines.Add(line);
        }

        Assert.Equal(["{\"seq\":0}", "{\"seq\":1}"], lines);
    }
}
