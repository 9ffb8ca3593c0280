using System.Threading.Channels;
using Npa.FlowLogs.Decoding;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Reading;
using Npa.FlowLogs.Records;
using Npa.FlowLogs.Tests.Decoding;

namespace Npa.FlowLogs.Tests.Reading;

public class RingBufferReaderTests
{
    [Fact]
    public void Deliver_DecodesIntoTheChannel_AndCountsDropsWhenItIsFull()
    {
        FlowLogCounters counters = new();
        using RingBufferReader reader = new(new RingBufferReaderOptions { ChannelCapacity = 4, FullMode = BoundedChannelFullMode.DropOldest }, new VerdictEventDecoder(0), counters);

        for (ushort port = 1; port <= 10; port++)
        {
            reader.Deliver(VerdictEventBytes.Build(1, "10.0.0.1", "10.0.0.2", port, 80, 6, 2, 1));
        }

        reader.Deliver(new byte[10]);

        List<ushort> kept = [];
        while (reader.Records.TryRead(out FlowRecord r))
        {
            kept.Add(r.SourcePort);
        }

        Assert.Equal([7, 8, 9, 10], kept); // DropOldest keeps the newest
        Assert.Equal(11, counters.EventsRead);
        Assert.Equal(6, counters.ReaderChannelDrops);
        Assert.Equal(1, counters.DecodeErrors);
    }

    [Fact]
    public void WaitingChannel_IsRefused_TheReaderMustNeverBlock()
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() =>
            new RingBufferReader(new RingBufferReaderOptions { FullMode = BoundedChannelFullMode.Wait }, new VerdictEventDecoder(0), new FlowLogCounters()));
        Assert.Contains("never wait", ex.Message);
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
