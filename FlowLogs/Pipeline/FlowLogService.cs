using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.FlowLogs.Aggregation;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Decoding;
using Npa.FlowLogs.Enrichment;
using Npa.FlowLogs.Files;
using Npa.FlowLogs.Formatting;
using Npa.FlowLogs.Reading;

namespace Npa.FlowLogs.Pipeline;

/// <summary>
/// The flow-log path assembled: ring buffer reader → pipeline stage → file writer (+ CloudWatch
/// shipper). Start it once enforcement has pinned the ring buffer; dispose it to stop, which drains
/// what it can and counts the rest. Lookups are optional (lines then carry IPs only).
/// </summary>
public sealed class FlowLogService : IAsyncDisposable
{
    private readonly RingBufferReader _reader;
    private readonly FlowLogFileWriter _file;
    private readonly CloudWatchShipper? _shipper;
    private readonly HttpClient? _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _stage;

    private FlowLogService(RingBufferReader reader, FlowLogFileWriter file, CloudWatchShipper? shipper, HttpClient? http, FlowLogPipeline pipeline, FlowLogCounters counters)
    {
        _reader = reader;
        _file = file;
        _shipper = shipper;
        _http = http;
        Counters = counters;
        _shipper?.Start();
        _reader.Start();
        _stage = Task.Run(() => pipeline.RunAsync(_reader.Records, _stop.Token));
    }

    public FlowLogCounters Counters { get; }

    /// <summary>Builds and starts everything; throws (naming the pin path) when the ring buffer cannot be opened.</summary>
    public static FlowLogService Start(
        FlowLogOptions options,
        FlowLogCounters counters,
        FlowLookupTable? lookups = null,
        TimeProvider? time = null,
        ILoggerFactory? loggers = null,
        IAwsCredentialSource? credentials = null)
    {
        time ??= TimeProvider.System;
        loggers ??= NullLoggerFactory.Instance;
        ILogger logger = loggers.CreateLogger("Npa.FlowLogs");

        FlowLogFileWriter file = new(options.File, counters, time, logger);
        CloudWatchShipper? shipper = null;
        HttpClient? http = null;
        if (options.CloudWatch is { } cw)
        {
            string region = cw.Region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION")
                ?? throw new ArgumentException("CloudWatch flow logs need a region: set AWS_REGION or the region option");
            http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            CloudWatchLogsClient client = new(http, CloudWatchLogsClient.ResolveEndpoint(region, cw.Endpoint), region, credentials ?? new DefaultAwsCredentialSource(), time);
            shipper = new CloudWatchShipper(client, new CloudWatchShipperOptions
            {
                LogGroupName = cw.LogGroupName ?? CloudWatchShipperOptions.LogGroupFor(cw.ClusterName, cw.IsEks),
                LogStreamName = cw.LogStreamName ?? CloudWatchShipperOptions.LogStreamFor(options.NodeName),
                NodeName = options.NodeName,
                BufferCapacity = cw.BufferCapacity,
            }, counters, time, logger);
        }

        FlowLogPipeline pipeline = new(
            new FlowRecordEnricher(lookups, lookups, lookups),
            new FlowAggregator(options.Aggregation, time, counters),
            new FlowLogFormatter(options.NodeName),
            file, shipper, counters, time, options.FlushInterval);
        RingBufferReader reader = new(options.Reader, new VerdictEventDecoder(MonotonicClock.OffsetToUnixNs(time)), counters, logger);
        try
        {
            return new FlowLogService(reader, file, shipper, http, pipeline, counters);
        }
        catch
        {
            reader.Dispose();
            file.DisposeAsync().AsTask().GetAwaiter().GetResult();
            shipper?.StopAsync().GetAwaiter().GetResult();
            http?.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose(); // completes the channel: the stage drains it and flushes open windows
        try
        {
            await _stage.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _stage.ConfigureAwait(false);
        }

        await _file.DisposeAsync().ConfigureAwait(false);
        if (_shipper is not null)
        {
            await _shipper.DisposeAsync().ConfigureAwait(false);
        }

        _http?.Dispose();
        _stop.Dispose();
    }
}
