using Npa.FlowLogs.Decoding;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Reading;
using Npa.FlowLogs.Records;
using Npa.FlowLogs.Tests.Decoding;

namespace Npa.FlowLogs.Tests.Reading;

public class RingBufferReaderTests
{
    [Fact]
    public void Deliver_DecodesIntoTheChannel_AndCountsUndecodableEvents()
    {
        FlowLogCounters counters = new();
        using RingBufferReader reader = new(new RingBufferReaderOptions(), new VerdictEventDecoder(0), counters);

        Assert.True(reader.Deliver(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 41000, 80, 6, 2, 1)));
        Assert.True(reader.Deliver(new byte[10]));

        Assert.True(reader.Records.TryRead(out FlowRecord r));
        Assert.Equal((ushort)41000, r.SourcePort);
        Assert.False(reader.Records.TryRead(out _));
        Assert.Equal(2, counters.EventsRead);
        Assert.Equal(1, counters.DecodeErrors);
    }

    [Fact]
    public void FullChannel_HoldsTheRecordThatDidNotFit_AndLosesNothingOnceTheStageCatchesUp()
    {
        FlowLogCounters counters = new();
        using RingBufferReader reader = new(new RingBufferReaderOptions { ChannelCapacity = 4 }, new VerdictEventDecoder(0), counters);

        for (ushort port = 1; port <= 4; port++)
        {
            Assert.True(reader.Deliver(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", port, 80, 6, 2, 1)));
        }

        // The fifth does not fit: it is held, and the reader must take nothing more from the ring.
        Assert.False(reader.Deliver(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 5, 80, 6, 2, 1)));
        Assert.True(reader.Holding);
        Assert.Throws<InvalidOperationException>(() => reader.Deliver(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", 6, 80, 6, 2, 1)));
        Assert.False(reader.TryHandOnHeld());

        List<ushort> seen = [];
        Assert.True(reader.Records.TryRead(out FlowRecord first));
        seen.Add(first.SourcePort);
        Assert.True(reader.TryHandOnHeld());
        Assert.False(reader.Holding);
        while (reader.Records.TryRead(out FlowRecord r))
        {
            seen.Add(r.SourcePort);
        }

        Assert.Equal([1, 2, 3, 4, 5], seen);
        Assert.Equal(0, counters.ReaderChannelDrops);
    }

    [Fact]
    public void MissingPin_FailsNamingThePath()
    {
        string path = $"/sys/fs/bpf/npa-flowlogs-missing-{Guid.NewGuid():N}";
        using RingBufferReader reader = new(new RingBufferReaderOptions { PinPath = path }, new VerdictEventDecoder(0), new FlowLogCounters());
        IOException ex = Assert.Throws<IOException>(reader.Start);
        Assert.Contains(path, ex.Message);
    }
}
