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
using Npa.Host.Channels;
using Npa.Host.Daemons;
using Npa.Host.Metrics;
using Npa.Host.Options;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

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
    PipelineChannels channels,
    NpaMetrics metrics,
    TimeProvider time,
    AgentHostOverrides overrides,
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
            : FlowLogCloudWatchTarget.Resolve(options, overrides.Environment ?? Environment.GetEnvironmentVariable, FlowLogCloudWatchTarget.InstanceRegion)
                .CreateShipper(http, overrides.AwsCredentials ?? new DefaultAwsCredentialSource(), counters, time, logger);
        shipper?.Start();
        using RingBufferReader reader = new(
            new RingBufferReaderOptions
            {
                PinPath = Path.Combine(options.BpffsRoot, "maps", Npa.Enforcer.PinnedState.MapNames.Events),
                DropCounterPinPath = Path.Combine(options.BpffsRoot, "maps", Npa.Enforcer.PinnedState.MapNames.Stats),
            },
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
        Task<bool>? tick = null;
        long ring = 0, reader = 0, file = 0, delivered = 0, dropped = 0, folded = 0, requests = 0;
        while (true)
        {
            channels.Programmed.Reader.TryRead(out _); // this refresh covers every change signalled so far
            lookups.Publish(
                resolver.PodAddresses.SelectMany(kv => kv.Value.Select(ip =>
                    KeyValuePair.Create(FlowAddress.FromIPAddress(ip), new PodIdentity(kv.Key.Namespace, kv.Key.Name)))).DistinctBy(kv => kv.Key),
                [],
                IsolatingPolicies());
            metrics.FlowLogDropped.WithLabels("ringbuffer").Inc(Math.Max(0, counters.RingBufferDrops - ring));
            metrics.FlowLogDropped.WithLabels("reader").Inc(Math.Max(0, counters.ReaderChannelDrops - reader));
            metrics.FlowLogDropped.WithLabels("file").Inc(Math.Max(0, counters.FileDropsChannelFull + counters.FileDropsIoError - file));
            (ring, reader, file) = (counters.RingBufferDrops, counters.ReaderChannelDrops, counters.FileDropsChannelFull + counters.FileDropsIoError);
            metrics.FlowLogCloudWatchLines.WithLabels("delivered").Inc(Math.Max(0, counters.CloudWatchDelivered - delivered));
            metrics.FlowLogCloudWatchLines.WithLabels("dropped").Inc(Math.Max(0, counters.CloudWatchDropped - dropped));
            metrics.FlowLogCloudWatchLines.WithLabels("folded").Inc(Math.Max(0, counters.CloudWatchFoldedLines - folded));
            metrics.FlowLogCloudWatchRequests.Inc(Math.Max(0, counters.CloudWatchRequests - requests));
            (delivered, dropped, folded, requests) = (counters.CloudWatchDelivered, counters.CloudWatchDropped, counters.CloudWatchFoldedLines, counters.CloudWatchRequests);

            // The next refresh: when the enforce stage has programmed a change (so a new pod's first flows
            // already carry its name), else on the periodic tick (counters).
            tick ??= timer.WaitForNextTickAsync(cancellationToken).AsTask();
            Task<bool> programmed = channels.Programmed.Reader.WaitToReadAsync(cancellationToken).AsTask();
            Task<bool> next = await Task.WhenAny(tick, programmed);
            if (!await next)
            {
                return;
            }

            if (next == tick)
            {
                tick = null;
            }
        }
    }

    /// <summary>Per programmed pod and isolated direction, the policies isolating it (DENY lines name them).</summary>
    private IEnumerable<KeyValuePair<(PodIdentity, Direction), IReadOnlyList<string>>> IsolatingPolicies() =>
        from status in enforcer.Pods()
        where status.Policy is not null
        from direction in new[] { Direction.Ingress, Direction.Egress }
        where status.Policy![direction].Isolated
        select KeyValuePair.Create(
            (new PodIdentity(status.Pod.Namespace, status.Pod.Name), direction),
            (IReadOnlyList<string>)[.. status.Policy![direction].IsolatingPolicies.Select(p => p.ToString())]) into isolation
        group isolation by isolation.Key into pod
        select pod.Last(); // a pod re-keyed by its uid is briefly known twice
}
