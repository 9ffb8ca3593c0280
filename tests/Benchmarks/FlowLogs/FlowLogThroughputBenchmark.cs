using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Npa.FlowLogs.Aggregation;
using Npa.FlowLogs.Decoding;
using Npa.FlowLogs.Enrichment;
using Npa.FlowLogs.Files;
using Npa.FlowLogs.Formatting;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Reading;
using Npa.FlowLogs.Records;
using Npa.FlowLogs.Tests.Kernel;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Benchmarks.FlowLogs;

/// <summary>
/// flowlogs-throughput: a real kernel ring buffer -> the agent's FlowLogService (reader thread, decode,
/// enrich, aggregate, format, rotating file writer) with every thread of the process confined to ONE
/// CPU. The ring is filled by a BPF program under BPF_PROG_TEST_RUN before the reader starts, so the
/// producer's cost is not in the figure: it is the time to drain the ring into the file. Side by side,
/// on the same CPU and ring: a straightforward consumer (Utf8JsonWriter per event into a buffered
/// FileStream, IPs only), and the in-memory cost of each stage.
/// Args: [events=2000000] [dir=/tmp]
/// </summary>
internal static class FlowLogThroughputBenchmark
{
    private const string Node = "ip-10-0-1-5.us-west-2.compute.internal";

    public static int Run(string[] args)
    {
        int events = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2_000_000;
        string root = args.Length > 1 ? args[1] : Path.GetTempPath();
        string dir = Path.Combine(root, $"npa-flowlogs-bench-{Guid.NewGuid():N}");
        if (!File.ReadAllText("/proc/mounts").Contains(" /sys/fs/bpf bpf ", StringComparison.Ordinal))
        {
            Console.Error.WriteLine("flowlogs-throughput reads a real kernel ring buffer: it needs root, clang and bpffs at /sys/fs/bpf (run scripts/setup.sh)");
            return 2;
        }

        try
        {
            return Measure(events, dir);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"flowlogs-throughput could not set up its kernel ring buffer (it needs root, clang and bpffs): {e.Message}");
            return 2;
        }
        finally
        {
            foreach (string d in new[] { dir, dir + "-warm", dir + "-naive" })
            {
                try
                {
                    if (Directory.Exists(d))
                    {
                        Directory.Delete(d, recursive: true);
                    }
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static int Measure(int events, string dir)
    {
        FlowLookupTable lookups = Lookups();
        byte[] template = Template();
        uint ringBytes = 1u << 20;
        while (ringBytes < (long)events * (VerdictEventLayout.Size + 8) && ringBytes < 1u << 30)
        {
            ringBytes <<= 1;
        }

        using FlowEventGenerator generator = new($"/sys/fs/bpf/npa-bench-flowlogs-{Guid.NewGuid():N}", ringBytes);
        Drained ours;
        Drained naive;
        int cpu;
        using (CpuAffinity pin = CpuAffinity.PinToOneCpu())
        {
            cpu = pin.Cpu;

            // Warm up the JIT on the real path; pauses let tiered compilation finish on the one CPU.
            for (int round = 0; round < 4; round++)
            {
                DrainIntoFlowLogService(generator, template, 250_000, lookups, dir + "-warm");
                Thread.Sleep(250);
            }

            DrainNaive(generator, template, 100_000, dir + "-naive");
            Thread.Sleep(250);
            ours = DrainIntoFlowLogService(generator, template, events, lookups, dir);
            naive = DrainNaive(generator, template, events, dir + "-naive");
        }

        Console.WriteLine($"flowlogs-throughput: kernel ring buffer ({ringBytes >> 20} MiB, filled by a BPF generator) -> file, every thread on CPU {cpu} only");
        Print("npa FlowLogService (pods, namespaces, policies)", events, ours);
        Print("straightforward: Utf8JsonWriter per event, IPs only", events, naive);
        Console.WriteLine($"  ratio                 {ours.Rate / naive.Rate,12:F2}x the straightforward consumer");
        Console.WriteLine($"  target                >= 1,000,000 events/s written with zero uncounted loss: {(ours.Rate >= 1_000_000 && ours.Unaccounted == 0 ? "met" : "NOT met")}{(ours.Dropped > 0 ? $" ({ours.Dropped:N0} counted drops)" : "")}");

        Console.WriteLine("stages in memory, same records, one thread, no ring and no file (side by side):");
        VerdictEventDecoder decoder = new((DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100);
        byte[][] samples = Samples(decoder, 4096);
        int stageEvents = Math.Min(events, 2_000_000);
        foreach (var (name, time, bytes) in Stages(decoder, samples, lookups, stageEvents))
        {
            Console.WriteLine($"  {name,-36}{stageEvents / time.TotalSeconds,12:N0} events/s  {bytes / (double)stageEvents,6:F2} bytes/event allocated");
        }

        TimeSpan jsonWriter = FormatWithUtf8JsonWriter(decoder, samples, stageEvents);
        TimeSpan handWritten = FormatOnly(decoder, samples, stageEvents);
        Console.WriteLine("format only, same records, side by side:");
        Console.WriteLine($"  hand-written UTF-8  {stageEvents / handWritten.TotalSeconds,12:N0} lines/s");
        Console.WriteLine($"  Utf8JsonWriter      {stageEvents / jsonWriter.TotalSeconds,12:N0} lines/s");
        Console.WriteLine($"  ratio               {jsonWriter.TotalSeconds / handWritten.TotalSeconds,12:F2}x");
        return ours.Unaccounted == 0 && naive.Unaccounted == 0 ? 0 : 1;
    }

    private static void Print(string name, int events, Drained run)
    {
        Console.WriteLine($"  {name}");
        Console.WriteLine($"    produced            {events,12:N0}  (generator drops {run.GeneratorDrops:N0})");
        Console.WriteLine($"    written             {run.Written,12:N0} lines, {run.Rotations:N0} rotations, {run.Bytes / 1048576.0:N0} MiB left on disk");
        Console.WriteLine($"    dropped, counted    {run.Dropped,12:N0}  {run.DropDetail}");
        Console.WriteLine($"    unaccounted         {run.Unaccounted,12:N0}");
        Console.WriteLine($"    time                {run.Time.TotalSeconds,12:F2} s");
        Console.WriteLine($"    rate                {run.Rate,12:N0} events/s written");
    }

    private sealed record Drained(TimeSpan Time, long Written, long Dropped, string DropDetail, long Unaccounted, long GeneratorDrops, long Bytes, long Rotations)
    {
        public double Rate => Written / Time.TotalSeconds;
    }

    /// <summary>A deny from 10.0.x.y (shop/web-*) into 10.1.x.y (db/pg-*); the generator spreads it over many flows.</summary>
    private static byte[] Template()
    {
        FlowRecord r = new()
        {
            Source = FlowAddress.Parse("10.0.0.1"),
            Destination = FlowAddress.Parse("10.1.0.1"),
            SourcePort = 40000,
            DestinationPort = 5432,
            Protocol = (byte)Protocol.Tcp,
            Verdict = FlowVerdict.Deny,
            Direction = Direction.Ingress,
            Reason = FlowReason.NoRule,
            IfIndex = 5,
            PacketLength = 60,
            Count = 1,
            Timestamp = DateTime.UtcNow,
        };
        byte[] bytes = new byte[VerdictEventLayout.Size];
        new VerdictEventDecoder(0).Encode(r, bytes);
        return bytes;
    }

    private static Drained DrainIntoFlowLogService(FlowEventGenerator generator, byte[] template, int events, FlowLookupTable lookups, string dir)
    {
        long generatorDropsBefore = generator.Drops();
        generator.EmitSpread(template, events); // filled before the reader starts: the producer's time is not measured
        long generatorDrops = generator.Drops() - generatorDropsBefore;
        FlowLogCounters counters = new();
        FlowLogOptions options = new()
        {
            NodeName = Node,
            Reader = new RingBufferReaderOptions { PinPath = generator.EventsPin, DropCounterPinPath = null },
            File = new FlowLogFileOptions { Directory = dir, MaxBackups = 2 },
            Aggregation = new FlowAggregatorOptions { LogAccept = true },
        };

        long expected = events - generatorDrops;
        Stopwatch sw = Stopwatch.StartNew();
        FlowLogService service = FlowLogService.Start(options, counters, lookups);
        while (Accounted(counters) < expected && sw.Elapsed < TimeSpan.FromMinutes(2))
        {
            Thread.Sleep(1);
        }

        TimeSpan time = sw.Elapsed;
        service.DisposeAsync().AsTask().GetAwaiter().GetResult();
        long dropped = counters.FileDropsChannelFull + counters.FileDropsIoError + counters.ReaderChannelDrops + counters.DecodeErrors;
        long bytes = Directory.EnumerateFiles(dir).Sum(f => new FileInfo(f).Length);
        return new Drained(time, counters.LinesWritten, dropped,
            $"(reader channel {counters.ReaderChannelDrops:N0}, writer behind {counters.FileDropsChannelFull:N0}, io {counters.FileDropsIoError:N0}, undecodable {counters.DecodeErrors:N0})",
            expected - Accounted(counters), generatorDrops, bytes, counters.Rotations);
    }

    private static long Accounted(FlowLogCounters c) =>
        c.LinesWritten + c.FileDropsChannelFull + c.FileDropsIoError + c.ReaderChannelDrops + c.DecodeErrors + c.EventsAggregated;

    /// <summary>The same ring drained by the same reader thread, then one Utf8JsonWriter line per event into a buffered FileStream.</summary>
    private static Drained DrainNaive(FlowEventGenerator generator, byte[] template, int events, string dir)
    {
        long generatorDropsBefore = generator.Drops();
        generator.EmitSpread(template, events);
        long generatorDrops = generator.Drops() - generatorDropsBefore;
        long expected = events - generatorDrops;
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "naive.log");
        FlowLogCounters counters = new();
        Stopwatch sw = Stopwatch.StartNew();
        long written = 0;
        using (RingBufferReader reader = new(new RingBufferReaderOptions { PinPath = generator.EventsPin, DropCounterPinPath = null }, new VerdictEventDecoder(0), counters))
        using (FileStream file = new(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024))
        using (Utf8JsonWriter writer = new(file, new JsonWriterOptions { SkipValidation = true }))
        {
            reader.Start();
            while (written + counters.ReaderChannelDrops + counters.DecodeErrors < expected && sw.Elapsed < TimeSpan.FromMinutes(2))
            {
                if (!reader.Records.TryRead(out FlowRecord r))
                {
                    if (!reader.Records.WaitToReadAsync().AsTask().Wait(TimeSpan.FromSeconds(5)))
                    {
                        break;
                    }

                    continue;
                }

                writer.Reset(file);
                writer.WriteStartObject();
                WriteSeedFields(writer, r);
                writer.WriteEndObject();
                writer.Flush();
                file.WriteByte((byte)'\n');
                written++;
            }

            file.Flush();
        }

        TimeSpan time = sw.Elapsed;
        long dropped = counters.ReaderChannelDrops + counters.DecodeErrors;
        return new Drained(time, written, dropped, $"(reader channel {counters.ReaderChannelDrops:N0})", expected - written - dropped, generatorDrops, new FileInfo(path).Length, 0);
    }

    private static byte[][] Samples(VerdictEventDecoder decoder, int count)
    {
        byte[][] samples = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            FlowRecord r = new()
            {
                Timestamp = DateTime.UtcNow.AddMilliseconds(i),
                Source = FlowAddress.Parse($"10.0.{i % 16}.{(i % 200) + 1}"),
                Destination = FlowAddress.Parse($"10.1.{i % 8}.{(i % 100) + 1}"),
                SourcePort = (ushort)(30000 + i),
                DestinationPort = (ushort)(i % 3 == 0 ? 5432 : 8080),
                Protocol = (byte)(i % 5 == 0 ? Protocol.Udp : Protocol.Tcp),
                Verdict = i % 2 == 0 ? FlowVerdict.Deny : FlowVerdict.Allow,
                Direction = i % 3 == 0 ? Direction.Egress : Direction.Ingress,
                RuleId = i % 2 == 0 ? 0u : (uint)(i % 50) + 1,
                Reason = i % 2 == 0 ? FlowReason.NoRule : FlowReason.Rule,
                IfIndex = 5,
                PacketLength = 60,
                Count = 1,
            };
            samples[i] = new byte[VerdictEventLayout.Size];
            decoder.Encode(r, samples[i]);
        }

        return samples;
    }

    private static FlowLookupTable Lookups()
    {
        FlowLookupTable table = new();
        List<KeyValuePair<FlowAddress, PodIdentity>> pods = [];
        for (int a = 0; a < 16; a++)
        {
            for (int b = 1; b <= 200; b++)
            {
                pods.Add(new(FlowAddress.Parse($"10.0.{a}.{b}"), new PodIdentity("shop", $"web-{a}-{b}")));
            }
        }

        for (int a = 0; a < 8; a++)
        {
            for (int b = 1; b <= 100; b++)
            {
                pods.Add(new(FlowAddress.Parse($"10.1.{a}.{b}"), new PodIdentity("db", $"pg-{a}-{b}")));
            }
        }

        List<KeyValuePair<uint, RuleRef>> rules = [.. Enumerable.Range(1, 50).Select(i => new KeyValuePair<uint, RuleRef>((uint)i, new RuleRef("db", $"allow-{i}", Direction.Ingress, i % 3, "app=web")))];
        List<KeyValuePair<(PodIdentity, Direction), IReadOnlyList<string>>> isolation = [];
        foreach (var (_, pod) in pods)
        {
            isolation.Add(new((pod, Direction.Ingress), [$"{pod.Namespace}/default-deny"]));
            isolation.Add(new((pod, Direction.Egress), [$"{pod.Namespace}/egress-lockdown"]));
        }

        table.Publish(pods, rules, isolation);
        return table;
    }

    private static IEnumerable<(string, TimeSpan, long)> Stages(VerdictEventDecoder decoder, byte[][] samples, FlowLookupTable lookups, int events)
    {
        FlowRecordEnricher enricher = new(lookups, lookups, lookups);
        FlowLogFormatter formatter = new("ip-10-0-1-5.us-west-2.compute.internal");
        ArrayBufferWriter<byte> buffer = new(1 << 20);
        FlowLogCounters counters = new();
        FlowAggregator aggregator = new(new FlowAggregatorOptions { LogAccept = true }, new FakeTimeProvider(), counters);
        for (int stage = 1; stage <= 4; stage++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Stopwatch sw = Stopwatch.StartNew();
            for (int i = 0; i < events; i++)
            {
                decoder.TryDecode(samples[i & (samples.Length - 1)], out FlowRecord r, out _);
                r.SourcePort = (ushort)i;
                r.DestinationPort = (ushort)(1 + (i >> 16));
                if (stage >= 2)
                {
                    enricher.Enrich(ref r);
                }

                if (stage >= 4 && !aggregator.Offer(r))
                {
                    continue;
                }

                if (stage >= 3)
                {
                    if (buffer.FreeCapacity < 2048)
                    {
                        buffer.ResetWrittenCount();
                    }

                    formatter.Format(r, buffer);
                }
            }

            yield return (stage switch { 1 => "decode", 2 => "decode + enrich", 3 => "decode + enrich + format", _ => "decode + enrich + aggregate + format" }, sw.Elapsed, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        // The whole stage without a file: what the producer thread costs apart from the writer task.
        FlowLogCounters pipelineCounters = new();
        FlowLogPipeline noFile = new(enricher, new FlowAggregator(new FlowAggregatorOptions { LogAccept = true }, new FakeTimeProvider(), pipelineCounters),
            formatter, file: null, cloudWatch: null, pipelineCounters, new FakeTimeProvider());
        long start = GC.GetAllocatedBytesForCurrentThread();
        Stopwatch whole = Stopwatch.StartNew();
        for (int i = 0; i < events; i++)
        {
            decoder.TryDecode(samples[i & (samples.Length - 1)], out FlowRecord r, out _);
            r.SourcePort = (ushort)i;
            r.DestinationPort = (ushort)(1 + (i >> 16));
            noFile.Process(r);
        }

        yield return ("pipeline stage, no file", whole.Elapsed, GC.GetAllocatedBytesForCurrentThread() - start);
    }

    private static TimeSpan FormatOnly(VerdictEventDecoder decoder, byte[][] samples, int events)
    {
        FlowLogFormatter formatter = new("ip-10-0-1-5.us-west-2.compute.internal");
        ArrayBufferWriter<byte> buffer = new(1 << 20);
        Stopwatch sw = Stopwatch.StartNew();
        for (int i = 0; i < events; i++)
        {
            decoder.TryDecode(samples[i & (samples.Length - 1)], out FlowRecord r, out _);
            if (buffer.FreeCapacity < 1024)
            {
                buffer.ResetWrittenCount();
            }

            formatter.Format(r, buffer);
        }

        return sw.Elapsed;
    }

    private static TimeSpan FormatWithUtf8JsonWriter(VerdictEventDecoder decoder, byte[][] samples, int events)
    {
        ArrayBufferWriter<byte> buffer = new(1 << 20);
        using Utf8JsonWriter writer = new(buffer, new JsonWriterOptions { SkipValidation = true });
        Stopwatch sw = Stopwatch.StartNew();
        for (int i = 0; i < events; i++)
        {
            decoder.TryDecode(samples[i & (samples.Length - 1)], out FlowRecord r, out _);
            if (buffer.FreeCapacity < 1024)
            {
                buffer.ResetWrittenCount();
            }

            writer.Reset(buffer);
            writer.WriteStartObject();
            WriteSeedFields(writer, r);
            writer.WriteString("Direction"u8, r.Direction == Direction.Ingress ? "ingress"u8 : "egress"u8);
            writer.WriteString("Node"u8, "ip-10-0-1-5.us-west-2.compute.internal"u8);
            writer.WriteNumber("Count"u8, 1);
            writer.WriteEndObject();
            writer.Flush();
            buffer.GetSpan(1)[0] = (byte)'\n';
            buffer.Advance(1);
        }

        return sw.Elapsed;
    }

    /// <summary>The fields of the EKS example line, the way a straightforward implementation writes them.</summary>
    private static void WriteSeedFields(Utf8JsonWriter writer, in FlowRecord r)
    {
        writer.WriteString("level"u8, "info"u8);
        writer.WriteString("timestamp"u8, r.Timestamp);
        writer.WriteString("logger"u8, "ebpf-client"u8);
        writer.WriteString("msg"u8, "Flow Info: "u8);
        writer.WriteString("Src IP"u8, r.Source.ToString());
        writer.WriteNumber("Src Port"u8, r.SourcePort);
        writer.WriteString("Dest IP"u8, r.Destination.ToString());
        writer.WriteNumber("Dest Port"u8, r.DestinationPort);
        writer.WriteString("Proto"u8, r.Protocol == 6 ? "TCP"u8 : "UDP"u8);
        writer.WriteString("Verdict"u8, r.Verdict == FlowVerdict.Deny ? "DENY"u8 : "ACCEPT"u8);
    }
}
