using System.Buffers;
using System.Threading.Channels;
using Npa.FlowLogs.Aggregation;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Enrichment;
using Npa.FlowLogs.Files;
using Npa.FlowLogs.Formatting;
using Npa.FlowLogs.Records;

namespace Npa.FlowLogs.Pipeline;

/// <summary>
/// The stage between the reader's channel and the outputs: enrich, aggregate, format, then hand each
/// line to the file writer and (if configured) the CloudWatch sink. Neither output can block it.
/// Aggregated repeats are flushed every <c>flushInterval</c> of the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class FlowLogPipeline
{
    private readonly FlowRecordEnricher _enricher;
    private readonly FlowAggregator _aggregator;
    private readonly FlowLogFormatter _formatter;
    private readonly FlowLogFileWriter? _file;
    private readonly ICloudWatchLogsSink? _cloudWatch;
    private readonly FlowLogCounters _counters;
    private readonly TimeProvider _time;
    private readonly TimeSpan _flushInterval;
    private readonly ArrayBufferWriter<byte> _line = new(2048);
    private readonly List<FlowRecord> _flushed = [];
    private long _nextFlush;

    public FlowLogPipeline(
        FlowRecordEnricher enricher,
        FlowAggregator aggregator,
        FlowLogFormatter formatter,
        FlowLogFileWriter? file,
        ICloudWatchLogsSink? cloudWatch,
        FlowLogCounters counters,
        TimeProvider? time = null,
        TimeSpan? flushInterval = null)
    {
        _enricher = enricher;
        _aggregator = aggregator;
        _formatter = formatter;
        _file = file;
        _cloudWatch = cloudWatch;
        _counters = counters;
        _time = time ?? TimeProvider.System;
        _flushInterval = flushInterval ?? TimeSpan.FromSeconds(1);
        _nextFlush = _time.GetTimestamp();
    }

    /// <summary>Runs until <paramref name="records"/> completes or <paramref name="cancellationToken"/> fires; then flushes every open window.</summary>
    public async Task RunAsync(ChannelReader<FlowRecord> records, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                int n = 0;
                while (records.TryRead(out FlowRecord record))
                {
                    Process(record);
                    if ((++n & 4095) == 0)
                    {
                        FlushAggregatedIfDue();
                    }
                }

                _file?.Flush();
                FlushAggregatedIfDue();

                using CancellationTokenSource tick = new(_flushInterval, _time);
                using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, tick.Token);
                try
                {
                    if (!await records.WaitToReadAsync(linked.Token).ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // flush tick
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopping
        }

        FlushAggregated(all: true);
        _file?.Flush();
    }

    /// <summary>One record through enrich, aggregate and format (the per-event path; allocation-free once warm).</summary>
    public void Process(FlowRecord record)
    {
        _enricher.Enrich(ref record);
        if (_aggregator.Offer(record))
        {
            Emit(record);
        }
    }

    /// <summary>Emits aggregated lines whose window has closed, if the flush interval has passed.</summary>
    public void FlushAggregatedIfDue()
    {
        long now = _time.GetTimestamp();
        if (now >= _nextFlush)
        {
            _nextFlush = now + (long)(_flushInterval.TotalSeconds * _time.TimestampFrequency);
            FlushAggregated(all: false);
        }
    }

    public void FlushAggregated(bool all)
    {
        _flushed.Clear();
        _aggregator.Flush(_flushed, all);
        foreach (FlowRecord record in _flushed)
        {
            Emit(record);
        }
    }

    private void Emit(in FlowRecord record)
    {
        _counters.AddLinesFormatted();
        if (_cloudWatch is null && _file is not null)
        {
            // Only the file: format straight into its chunk, no copy.
            _formatter.Format(record, _file.LineBuffer);
            _file.CommitLine();
            return;
        }

        _line.ResetWrittenCount();
        _formatter.Format(record, _line);
        ReadOnlySpan<byte> line = _line.WrittenSpan;
        _file?.WriteLine(line);
        _cloudWatch?.Enqueue(record, line);
    }
}
