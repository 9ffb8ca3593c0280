using Npa.FlowLogs.Decoding;
using Npa.FlowLogs.Enrichment;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Reading;
using Npa.FlowLogs.Records;
using Npa.FlowLogs.Tests.Decoding;
using Npa.Resolver.Model;
using Npa.Tests.Shared;

namespace Npa.FlowLogs.Tests.Kernel;

/// <summary>
/// End to end through a real kernel ring buffer: a small BPF program (built with clang at test time)
/// is run with BPF_PROG_TEST_RUN to emit events; the reader opens the pinned ring buffer and decodes them.
/// </summary>
public sealed class RingBufferReaderKernelTests : IDisposable
{
    private FlowEventGenerator? _generator;

    private string EventsPin => _generator!.EventsPin;

    private string DropsPin => _generator!.DropsPin;

    private void Load(uint ringBytes = 4096) => _generator = new FlowEventGenerator($"/sys/fs/bpf/npa-flowlogs-test-{Guid.NewGuid():N}", ringBytes);

    private void Emit(byte[] template, int times) => _generator!.Emit(template, times);

    [RingBufferKernelFact]
    public async Task EventsFromTheKernel_AreDecodedWithWallClockTimes()
    {
        Load();
        FlowLogCounters counters = new();
        using RingBufferReader reader = new(
            new RingBufferReaderOptions { PinPath = EventsPin, DropCounterPinPath = DropsPin, DropCounterKey = 0, PollTimeout = TimeSpan.FromMilliseconds(20) },
            new VerdictEventDecoder(MonotonicClock.OffsetToUnixNs(TimeProvider.System)), counters);
        reader.Start();

        Emit(VerdictEventBytes.Build(0, "10.1.2.3", "10.4.5.6", 41000, 8080, 6, verdict: 2, direction: 1, reason: 2, ifindex: 33), 1);
        Emit(VerdictEventBytes.Build(0, "fd00::10", "fd00::20", 5353, 53, 17, verdict: 1, direction: 2, ruleId: 77, reason: 1), 1);

        List<FlowRecord> records = [];
        using CancellationTokenSource cts = new(TestTimeouts.Default);
        while (records.Count < 2)
        {
            records.Add(await reader.Records.ReadAsync(cts.Token));
        }

        Assert.Equal("10.1.2.3", records[0].Source.ToString());
        Assert.Equal((ushort)8080, records[0].DestinationPort);
        Assert.Equal(FlowVerdict.Deny, records[0].Verdict);
        Assert.Equal(Direction.Ingress, records[0].Direction);
        Assert.Equal(33u, records[0].IfIndex);
        Assert.Equal("fd00::20", records[1].Destination.ToString());
        Assert.Equal(FlowVerdict.Allow, records[1].Verdict);
        Assert.Equal(77u, records[1].RuleId);
        Assert.All(records, r => Assert.InRange(r.Timestamp, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1)));
        Assert.Equal(0, reader.ReadRingBufferDrops());
    }

    [RingBufferKernelFact]
    public async Task FullRingBuffer_DropsAreReadFromTheDatapathCounter()
    {
        Load();
        FlowLogCounters counters = new();
        using RingBufferReader reader = new(
            new RingBufferReaderOptions { PinPath = EventsPin, DropCounterPinPath = DropsPin, DropCounterKey = 0, PollTimeout = TimeSpan.FromMilliseconds(20) },
            new VerdictEventDecoder(0), counters);

        // Nobody consumes yet: a 4 KiB ring holds 56 events of 64 + 8 bytes; the rest are counted as drops.
        Emit(VerdictEventBytes.Build(0, "10.0.0.1", "10.0.0.2", 1, 2, 6, 2, 1), 200);
        reader.Start();

        int received = 0;
        using CancellationTokenSource cts = new(TestTimeouts.Default);
        while (received + reader.ReadRingBufferDrops() < 200)
        {
            await reader.Records.ReadAsync(cts.Token);
            received++;
        }

        Assert.True(counters.RingBufferDrops > 0);
        Assert.Equal(200, received + counters.RingBufferDrops);
    }

    [RingBufferKernelFact]
    public async Task StageStuck_TheRingOverflows_AndTheDropCounterIsStillReported()
    {
        Load();
        FlowLogCounters counters = new();
        using RingBufferReader reader = new(
            new RingBufferReaderOptions
            {
                PinPath = EventsPin, DropCounterPinPath = DropsPin, DropCounterKey = 0, ChannelCapacity = 1,
                PollTimeout = TimeSpan.FromMilliseconds(20), DropCounterInterval = TimeSpan.FromMilliseconds(20),
            },
            new VerdictEventDecoder(0), counters);
        reader.Start();

        // Nobody reads the records: one fills the channel, the next is held, and the reader leaves the
        // rest in the 4 KiB ring (56 events), which overflows. That loss must show in the metric now,
        // while it happens, not once the stage catches up.
        Emit(VerdictEventBytes.Build(0, "10.0.0.1", "10.0.0.2", 1, 2, 6, 2, 1), 2);
        using CancellationTokenSource cts = new(TestTimeouts.Default);
        while (counters.EventsRead < 2)
        {
            await Task.Delay(5, cts.Token);
        }

        Emit(VerdictEventBytes.Build(0, "10.0.0.1", "10.0.0.2", 1, 2, 6, 2, 1), 200);
        long dropped = _generator!.Drops();
        Assert.True(dropped > 0, "the test needs the ring to overflow");
        while (counters.RingBufferDrops < dropped)
        {
            await Task.Delay(5, cts.Token);
        }

        Assert.True(reader.Holding);
        Assert.Equal(dropped, counters.RingBufferDrops);
    }

    [RingBufferKernelFact]
    public async Task BurstLargerThanTheChannel_WaitsInTheKernelRing_AndArrivesWholeAndInOrder()
    {
        Load(ringBytes: 1 << 20); // room for ~14,500 events of 64 + 8 bytes
        FlowLogCounters counters = new();
        using RingBufferReader reader = new(
            new RingBufferReaderOptions { PinPath = EventsPin, DropCounterPinPath = DropsPin, DropCounterKey = 0, ChannelCapacity = 64, PollTimeout = TimeSpan.FromMilliseconds(20) },
            new VerdictEventDecoder(0), counters);
        const int Burst = 10_000;
        _generator!.EmitSpread(VerdictEventBytes.Build(0, "10.0.0.0", "10.1.0.0", 0, 80, 6, verdict: 2, direction: 1), Burst);
        reader.Start();

        // A slow stage: the reader must hold back (events stay in the ring) rather than drop.
        List<ushort> ports = [];
        using CancellationTokenSource cts = new(TestTimeouts.Default);
        while (ports.Count < Burst)
        {
            FlowRecord r = await reader.Records.ReadAsync(cts.Token);
            ports.Add(r.SourcePort);
            if (ports.Count % 1000 == 0)
            {
                await Task.Delay(5, cts.Token);
            }
        }

        Assert.Equal(Enumerable.Range(0, Burst).Select(i => (ushort)i), ports);
        Assert.Equal(0, counters.ReaderChannelDrops);
        Assert.Equal(0, reader.ReadRingBufferDrops());
        Assert.Equal(Burst, counters.EventsRead);
    }

    [RingBufferKernelFact]
    public async Task FlowLogService_TurnsKernelEventsIntoEnrichedFileLines()
    {
        Load();
        using Files.TempDirectory dir = new();
        FlowLogCounters counters = new();
        FlowLookupTable lookups = new();
        PodIdentity db = new("db", "pg-0");
        lookups.Publish(
            [new(FlowAddress.Parse("10.4.5.6"), db)],
            [],
            [new((db, Direction.Ingress), ["db/default-deny"])]);
        FlowLogOptions options = new()
        {
            NodeName = "node-k",
            Reader = new RingBufferReaderOptions { PinPath = EventsPin, DropCounterPinPath = DropsPin, DropCounterKey = 0, PollTimeout = TimeSpan.FromMilliseconds(20) },
            File = new FlowLogs.Files.FlowLogFileOptions { Directory = dir.Path },
        };

        await using (FlowLogService service = FlowLogService.Start(options, counters, lookups))
        {
            Emit(VerdictEventBytes.Build(0, "10.1.2.3", "10.4.5.6", 41000, 5432, 6, verdict: 2, direction: 1, reason: 2), 5);
            using CancellationTokenSource cts = new(TestTimeouts.Default);
            while (counters.EventsRead < 5)
            {
                await Task.Delay(10, cts.Token);
            }
        }

        string[] lines = await File.ReadAllLinesAsync(Path.Combine(dir.Path, options.File.FileName)).WaitAsync(TestTimeouts.Default);
        Assert.Equal(2, lines.Length); // the first deny, then the four repeats in one line
        System.Text.Json.JsonElement first = System.Text.Json.JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("DENY", first.GetProperty("Verdict").GetString());
        Assert.Equal("pg-0", first.GetProperty("Dest Pod").GetString());
        Assert.Equal("db/default-deny", first.GetProperty("Isolating Policies")[0].GetString());
        Assert.Equal("node-k", first.GetProperty("Node").GetString());
        Assert.Equal(4, System.Text.Json.JsonDocument.Parse(lines[1]).RootElement.GetProperty("Count").GetInt32());
    }

    public void Dispose() => _generator?.Dispose();
}
