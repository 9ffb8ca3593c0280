using Npa.FlowLogs.Decoding;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Reading;
using Npa.FlowLogs.Tests.Decoding;

namespace Npa.FlowLogs.Tests.Reading;

/// <summary>Measures the live heap, so it runs alone (other tests' allocations would blur it).</summary>
[CollectionDefinition(nameof(RingBufferReaderMemoryTests), DisableParallelization = true)]
public sealed class RingBufferReaderMemoryCollection;

[Collection(nameof(RingBufferReaderMemoryTests))]
public class RingBufferReaderMemoryTests
{
    [Fact]
    public void StageStuckForLong_WaitingForRoomHoldsNoMoreMemoryPerWait()
    {
        using RingBufferReader reader = new(new RingBufferReaderOptions { ChannelCapacity = 1 }, new VerdictEventDecoder(0), new FlowLogCounters());
        Assert.True(reader.Deliver(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 1, 80, 6, 2, 1)));
        Assert.False(reader.Deliver(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 2, 80, 6, 2, 1)));

        // The reader thread waits one poll timeout at a time (100 ms by default) for as long as the stage
        // makes no room: a million waits are a little over a day of a stuck stage.
        const int Waits = 1_000_000;
        long before = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < Waits; i++)
        {
            reader.WaitForRoom(TimeSpan.Zero);
        }

        long grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(grown < 32L * 1024 * 1024, $"{Waits} waits for room kept {grown / 1024 / 1024} MiB alive");
        Assert.True(reader.Holding);
    }
}
