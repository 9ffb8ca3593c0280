using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Enforcer;
using Npa.FlowLogs.Aggregation;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Decoding;
using Npa.FlowLogs.Enrichment;
using Npa.FlowLogs.Files;
using Npa.FlowLogs.Formatting;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Reading;
using Npa.FlowLogs.Records;
using Npa.Host.Metrics;
using Npa.Host.Options;
using Npa.Resolver.MapState;

namespace Npa.Host.Stages;

/// <summary>
/// <c>--enable-policy-event-logs</c>: reads verdict events from the enforcer's ring buffer and writes
/// JSON flow lines to <c>--log-file</c> (rotated by <c>--log-file-max-size</c> and
/// <c>--log-file-max-backups</c>), naming pods and the policy rule behind each verdict. ACCEPT lines
/// only at <c>--log-level debug</c>, as the EKS agent does. Drops are counted in
/// <c>npa_flowlog_dropped_total{stage}</c>; flow lines never go through ILogger. With
/// <c>--enable-cloudwatch-logs</c> the same lines also go to the node's CloudWatch Logs stream
/// (<see cref="FlowLogCloudWatchTarget"/>).
/// </summary>
public sealed class FlowLogStage(
    AgentOptions options,
    NodeEnforcer enforcer,
    INodePodDirectory resolver,
    NpaMetrics metrics,
    TimeProvider time,
    ILogger<FlowLogStage> logger) : BackgroundService
{
    private static readonly TimeSpan LookupRefresh = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        FlowLogCounters counters = new();
        FlowLookupTable lookups = new();
        string file = Path.GetFullPath(options.LogFile);
        await using FlowLogFileWriter writer = new(new FlowLogFileOptions
        {
            Directory = Path.GetDirectoryName(file)!,
            FileName = Path.GetFileName(file),
            MaxFileBytes = options.LogFileMaxSize * 1024L * 1024L,
            MaxBackups = options.LogFileMaxBackups,
        }, counters, time, logger);
        using HttpClient? http = options.EnableCloudWatchLogs ? new HttpClient { Timeout = TimeSpan.FromSeconds(30) } : null;
        await using CloudWatchShipper? shipper = http is null
            ? null
            : FlowLogCloudWatchTarget.Resolve(options, Environment.GetEnvironmentVariable, FlowLogCloudWatchTarget.InstanceRegion)
                .CreateShipper(http, new DefaultAwsCredentialSource(), counters, time, logger);
        shipper?.Start();
        using RingBufferReader reader = new(
            new RingBufferReaderOptions { PinPath = Path.Combine(options.BpffsRoot, "maps", Npa.Enforcer.PinnedState.MapNames.Events) },
            new VerdictEventDecoder(MonotonicClock.OffsetToUnixNs(time)), counters, logger);
        FlowLogPipeline pipeline = new(
            new FlowRecordEnricher(lookups, new EnforcerRuleLookup(enforcer), lookups),
            new FlowAggregator(new FlowAggregatorOptions { LogAccept = options.LogLevel.Equals("debug", StringComparison.OrdinalIgnoreCase) }, time, counters),
            new FlowLogFormatter(options.NodeName), writer, shipper, counters, time);
        reader.Start();
        using CancellationTokenSource stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Task refresh = RefreshAsync(lookups, counters, stop.Token);
        try
        {
            await pipeline.RunAsync(reader.Records, stoppingToken);
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await refresh;
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }
    }

    private async Task RefreshAsync(FlowLookupTable lookups, FlowLogCounters counters, CancellationToken cancellationToken)
    {
        using PeriodicTimer timer = new(LookupRefresh, time);
        long ring = 0, reader = 0, file = 0, delivered = 0, dropped = 0, folded = 0, requests = 0;
        do
        {
            lookups.Publish(
                resolver.PodAddresses.SelectMany(kv => kv.Value.Select(ip =>
                    KeyValuePair.Create(FlowAddress.FromIPAddress(ip), new PodIdentity(kv.Key.Namespace, kv.Key.Name)))).DistinctBy(kv => kv.Key),
                [],
                []);
            metrics.FlowLogDropped.WithLabels("ringbuffer").Inc(Math.Max(0, counters.RingBufferDrops - ring));
            metrics.FlowLogDropped.WithLabels("reader").Inc(Math.Max(0, counters.ReaderChannelDrops - reader));
            metrics.FlowLogDropped.WithLabels("file").Inc(Math.Max(0, counters.FileDropsChannelFull + counters.FileDropsIoError - file));
            (ring, reader, file) = (counters.RingBufferDrops, counters.ReaderChannelDrops, counters.FileDropsChannelFull + counters.FileDropsIoError);
            metrics.FlowLogCloudWatchLines.WithLabels("delivered").Inc(Math.Max(0, counters.CloudWatchDelivered - delivered));
            metrics.FlowLogCloudWatchLines.WithLabels("dropped").Inc(Math.Max(0, counters.CloudWatchDropped - dropped));
            metrics.FlowLogCloudWatchLines.WithLabels("folded").Inc(Math.Max(0, counters.CloudWatchFoldedLines - folded));
            metrics.FlowLogCloudWatchRequests.Inc(Math.Max(0, counters.CloudWatchRequests - requests));
            (delivered, dropped, folded, requests) = (counters.CloudWatchDelivered, counters.CloudWatchDropped, counters.CloudWatchFoldedLines, counters.CloudWatchRequests);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }
}
