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
using Npa.FlowLogs.Records;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Benchmarks.FlowLogs;

/// <summary>
/// flowlogs-throughput: ring-buffer event bytes -> decode -> enrich -> format -> rotating file, on one
/// producer thread (the file writer task runs beside it). Prints events/s and produced / written /
/// dropped, and, side by side, the same records formatted with Utf8JsonWriter.
/// Args: [events=3000000] [dir=/tmp]
/// </summary>
internal static class FlowLogThroughputBenchmark
{
    public static int Run(string[] args)
    {
        int events = args.Length > 0 ? int.Parse(args[0]) : 3_000_000;
        string root = args.Length > 1 ? args[1] : Path.GetTempPath();
        string dir = Path.Combine(root, $"npa-flowlogs-bench-{Guid.NewGuid():N}");
        try
        {
            return Measure(events, dir);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static int Measure(int events, string dir)
    {
        long offset = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        VerdictEventDecoder decoder = new(offset);
        byte[][] samples = Samples(decoder, 4096);
        FlowLookupTable lookups = Lookups();

        // Warm up (JIT) on a small run in its own directory.
        RunOnce(decoder, samples, lookups, 200_000, dir + "-warm", out _, out _);
        Directory.Delete(dir + "-warm", recursive: true);

        TimeSpan elapsed = RunOnce(decoder, samples, lookups, events, dir, out FlowLogCounters counters, out long allocated);
        long dropped = counters.FileDropsChannelFull + counters.FileDropsIoError + counters.ReaderChannelDrops + counters.DecodeErrors;
        long unaccounted = events - counters.LinesWritten - dropped - counters.EventsAggregated;
        double rate = events / elapsed.TotalSeconds;

        TimeSpan jsonWriter = FormatWithUtf8JsonWriter(decoder, samples, events);
        TimeSpan handWritten = FormatOnly(decoder, samples, events);

        Console.WriteLine("flowlogs-throughput (decode + enrich + format + write, one producer thread, rotation at 200 MB)");
        Console.WriteLine($"  produced   {events,12:N0}");
        Console.WriteLine($"  written    {counters.LinesWritten,12:N0}");
        Console.WriteLine($"  dropped    {dropped,12:N0}  (writer behind {counters.FileDropsChannelFull:N0}, io {counters.FileDropsIoError:N0})");
        Console.WriteLine($"  unaccounted{unaccounted,12:N0}");
        Console.WriteLine($"  rotations  {counters.Rotations,12:N0}");
        Console.WriteLine($"  time       {elapsed.TotalSeconds,12:F2} s  (producer done after {ProducerTime.TotalSeconds:F2} s, then the writer drained)");
        Console.WriteLine($"  rate       {rate,12:N0} events/s  (target >= 1,000,000)");
        Console.WriteLine($"  allocated  {allocated / (double)events,12:F2} bytes/event on the producer thread");
        Console.WriteLine("stages, same records, side by side (no file):");
        foreach (var (name, time, bytes) in Stages(decoder, samples, lookups, events))
        {
            Console.WriteLine($"  {name,-36}{events / time.TotalSeconds,12:N0} events/s  {bytes / (double)events,6:F2} bytes/event allocated");
        }

        Console.WriteLine("format only, same records, side by side:");
        Console.WriteLine($"  hand-written UTF-8  {events / handWritten.TotalSeconds,12:N0} lines/s");
        Console.WriteLine($"  Utf8JsonWriter      {events / jsonWriter.TotalSeconds,12:N0} lines/s");
        Console.WriteLine($"  ratio               {jsonWriter.TotalSeconds / handWritten.TotalSeconds,12:F2}x");
        return unaccounted == 0 ? 0 : 1;
    }

    private static TimeSpan ProducerTime;

    private static TimeSpan RunOnce(VerdictEventDecoder decoder, byte[][] samples, FlowLookupTable lookups, int events, string dir, out FlowLogCounters counters, out long allocated)
    {
        counters = new FlowLogCounters();
        FakeTimeProvider time = new();
        FlowLogFileOptions options = new() { Directory = dir, MaxBackups = 2, ChannelCapacity = 1024 };
        FlowLogFileWriter file = new(options, counters);
        FlowLogPipeline pipeline = new(
            new FlowRecordEnricher(lookups, lookups, lookups),
            new FlowAggregator(new FlowAggregatorOptions { LogAccept = true }, time, counters),
            new FlowLogFormatter("ip-10-0-1-5.us-west-2.compute.internal"),
            file, cloudWatch: null, counters, time);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Stopwatch sw = Stopwatch.StartNew();
        for (int i = 0; i < events; i++)
        {
            counters.AddEventsRead();
            if (decoder.TryDecode(samples[i & (samples.Length - 1)], out FlowRecord record, out _))
            {
                record.SourcePort = (ushort)i; // every event a distinct flow: nothing folds
                record.DestinationPort = (ushort)(1 + (i >> 16));
                pipeline.Process(record);
            }
            else
            {
                counters.AddDecodeError();
            }
        }

        pipeline.FlushAggregated(all: true);
        file.Flush();
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        ProducerTime = sw.Elapsed;
        file.DisposeAsync().AsTask().GetAwaiter().GetResult();
        sw.Stop();
        return sw.Elapsed;
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
}
