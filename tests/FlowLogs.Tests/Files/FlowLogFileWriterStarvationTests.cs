using System.Text;
using Npa.FlowLogs.Files;
using Npa.FlowLogs.Pipeline;
using Npa.Tests.Shared;

namespace Npa.FlowLogs.Tests.Files;

/// <summary>Starves the shared thread pool, so it runs alone.</summary>
[CollectionDefinition(nameof(FlowLogFileWriterStarvationTests), DisableParallelization = true)]
public sealed class FlowLogFileWriterStarvationCollection;

[Collection(nameof(FlowLogFileWriterStarvationTests))]
public class FlowLogFileWriterStarvationTests
{
    [Fact]
    public async Task ThreadPoolBusy_TheWriterThreadStillKeepsUp_AndNothingIsDropped()
    {
        using TempDirectory dir = new();
        FlowLogCounters counters = new();
        FlowLogFileOptions options = new() { Directory = dir.Path, ChunkBytes = 256, ChannelCapacity = 1, BehindWait = TimeSpan.FromSeconds(5) };
        const int Lines = 300;
        FlowLogFileWriter writer = new(options, counters);
        using ManualResetEventSlim release = new();
        try
        {
            // Every pool thread busy (a host with blocking work): the producer and the dedicated writer
            // thread must still hand chunks to each other, not wait for a pool thread that never comes.
            int blockers = ThreadPool.ThreadCount + 64;
            for (int i = 0; i < blockers; i++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(_ => release.Wait(), null);
            }

            Thread producer = new(() =>
            {
                for (int i = 0; i < Lines; i++)
                {
                    writer.WriteLine(Encoding.UTF8.GetBytes($"{{\"seq\":{i},\"pad\":\"{new string('s', 60)}\"}}\n"));
                }

                writer.Flush();
            });
            producer.Start();
            Assert.True(producer.Join(TestTimeouts.Default), $"the producer did not finish: written {counters.LinesWritten}, dropped {counters.FileDropsChannelFull}");
        }
        finally
        {
            release.Set();
            await writer.DisposeAsync().AsTask().WaitAsync(TestTimeouts.Default);
        }

        Assert.Equal(0, counters.FileDropsChannelFull);
        Assert.Equal(Lines, counters.LinesWritten);
    }
}
