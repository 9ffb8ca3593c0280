using System.Threading.Channels;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.FlowLogs.Formatting;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Records;
using Polly;
using Polly.Retry;

namespace Npa.FlowLogs.CloudWatch;

/// <summary>
/// Ships flow-log lines to one CloudWatch Logs stream per node. Lines go into a bounded in-memory
/// buffer (oldest dropped and counted when full), so the caller never waits on the service. One loop
/// creates the group and stream if missing, batches to the PutLogEvents limits, keeps to the
/// per-stream request rate, and retries throttling, 5xx and network errors with exponential backoff
/// and jitter for as long as it runs.
/// <para>
/// While it keeps up (what is waiting fits one PutLogEvents call) every line goes out as its own
/// event, exactly as written to the file. When more than one call's worth is waiting (a burst, or the
/// backlog after throttling or an outage), it takes the whole backlog and folds flows that differ only
/// in source port, time and count into flow summaries (<see cref="FlowSummaryFolder"/>).
/// </para>
/// <para>
/// Every line ends up delivered or counted in one drop counter; an event counts the lines it carries.
/// <see cref="CloudWatchShipperOptions.BufferCapacity"/> bounds everything held: lines waiting, lines
/// being folded and events being sent.
/// </para>
/// </summary>
public sealed class CloudWatchShipper : ICloudWatchLogsSink, IAsyncDisposable
{
    private readonly CloudWatchLogsClient _client;
    private readonly CloudWatchShipperOptions _options;
    private readonly FlowLogCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FlowSummaryFolder _folder;

    // Unbounded as a channel; bounded by _held, which Enqueue checks under _gate. _held counts what is
    // queued plus what the loop has taken and not yet delivered or dropped (a summary counts once).
    private readonly Channel<QueuedFlow> _buffer = Channel.CreateUnbounded<QueuedFlow>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly Lock _gate = new();
    private int _held;
    private bool _completed;

    private readonly ResiliencePipeline _setupRetry;
    private readonly ResiliencePipeline _putRetry;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _minRequestGap;
    private Task? _loop;
    private long _nextRequestAt = long.MinValue;
    private volatile bool _streamMissing = true;

    public CloudWatchShipper(CloudWatchLogsClient client, CloudWatchShipperOptions options, FlowLogCounters counters, TimeProvider? time = null, ILogger? logger = null)
    {
        options.Validate();
        _client = client;
        _options = options;
        _counters = counters;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _folder = new FlowSummaryFolder(new FlowLogFormatter(options.NodeName));
        _minRequestGap = TimeSpan.FromSeconds(1 / options.MaxRequestsPerSecond);
        // Credentials that cannot be resolved yet (the SDK's AmazonClientException: IRSA token not mounted
        // yet, instance metadata not answering) are retried like the network: shipping starts once they are.
        _setupRetry = BuildRetry("CreateLogStream", static ex => ex is CloudWatchLogsException or HttpRequestException or AmazonClientException);
        _putRetry = BuildRetry("PutLogEvents", static ex => ex is CloudWatchLogsException { IsRetryable: true } or CloudWatchLogsException { IsResourceNotFound: true } or HttpRequestException or TaskCanceledException { InnerException: TimeoutException } or AmazonClientException);
    }

    /// <summary>Lines and events held in memory: waiting, being folded or being sent (at most the buffer capacity).</summary>
    public int Buffered => Volatile.Read(ref _held);

    public void Enqueue(in FlowRecord record, ReadOnlySpan<byte> utf8Line)
    {
        if (!utf8Line.IsEmpty && utf8Line[^1] == (byte)'\n')
        {
            utf8Line = utf8Line[..^1];
        }

        _counters.AddCloudWatchEnqueued();
        QueuedFlow flow = new(record, utf8Line.ToArray());
        lock (_gate)
        {
            if (_completed)
            {
                _counters.AddCloudWatchDroppedFailed(1); // stopped: nothing will send it
                return;
            }

            if (Volatile.Read(ref _held) >= _options.BufferCapacity)
            {
                _counters.AddCloudWatchDroppedBufferFull();
                if (!_buffer.Reader.TryRead(out _))
                {
                    return; // the loop holds the whole capacity: this line is the one dropped
                }
            }
            else
            {
                Interlocked.Increment(ref _held);
            }

            _buffer.Writer.TryWrite(flow);
        }
    }

    public void Start()
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("the CloudWatch shipper is already started");
        }

        FlowLogsLog.ShipperStarted(_logger, _options.LogGroupName, _options.LogStreamName, _client.Endpoint);
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Stops taking events, sends what is buffered within <see cref="CloudWatchShipperOptions.DrainTimeout"/>, counts the rest as dropped.</summary>
    public async Task StopAsync()
    {
        lock (_gate)
        {
            _completed = true;
            _buffer.Writer.TryComplete();
        }

        if (_loop is null)
        {
            CountUnsent(0);
            return;
        }

        try
        {
            await _loop.WaitAsync(_options.DrainTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        List<QueuedFlow> flows = []; // taken from the buffer, not yet events
        List<LogEvent> outgoing = []; // events to send
        List<LogEvent> batch = [];
        try
        {
            while (true)
            {
                if (outgoing.Count == 0)
                {
                    if (flows.Count == 0 && !await _buffer.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                    {
                        return; // stopped and drained
                    }

                    if (TakeWaiting(flows))
                    {
                        FoldBacklog(flows, outgoing);
                    }
                    else
                    {
                        await FillAsync(flows, ct).ConfigureAwait(false);
                        TakeOneCall(flows, outgoing);
                    }
                }

                int before = outgoing.Count;
                long outOfRange = CloudWatchBatcher.TakeBatch(outgoing, batch, _time.GetUtcNow().ToUnixTimeMilliseconds());
                Release(before - outgoing.Count - batch.Count);
                if (outOfRange > 0)
                {
                    _counters.AddCloudWatchDroppedOutOfRange(outOfRange);
                }

                if (batch.Count > 0)
                {
                    await SendAsync(batch, ct).ConfigureAwait(false);
                    Release(batch.Count);
                    batch.Clear();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping: what is left is counted below
        }
        finally
        {
            Release(flows.Count + outgoing.Count + batch.Count);
            CountUnsent(flows.Count + LogEvent.CountLines(outgoing) + LogEvent.CountLines(batch));
        }
    }

    private void Release(int held) => Interlocked.Add(ref _held, -held);

    private void CountUnsent(long held)
    {
        long unsent = held;
        while (_buffer.Reader.TryRead(out _))
        {
            unsent++;
            Release(1);
        }

        if (unsent > 0)
        {
            _counters.AddCloudWatchDroppedFailed(unsent);
            FlowLogsLog.CloudWatchUnsentAtStop(_logger, unsent);
        }
    }

    /// <summary>Takes what is already waiting, up to one call's worth; true when more than that was waiting (the loop is behind).</summary>
    private bool TakeWaiting(List<QueuedFlow> flows)
    {
        CallSize size = CallSize.Of(flows);
        while (size.FitsOneCall && _buffer.Reader.TryRead(out QueuedFlow flow))
        {
            flows.Add(flow);
            size.Add(flow.Line.Length);
        }

        return !size.FitsOneCall;
    }

    /// <summary>Waits at most one batch interval for more, until one call's worth is there (one more may be taken).</summary>
    private async Task FillAsync(List<QueuedFlow> flows, CancellationToken ct)
    {
        CallSize size = CallSize.Of(flows);
        using CancellationTokenSource window = new(_options.BatchInterval, _time);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(ct, window.Token);
        while (size.FitsOneCall)
        {
            while (size.FitsOneCall && _buffer.Reader.TryRead(out QueuedFlow flow))
            {
                flows.Add(flow);
                size.Add(flow.Line.Length);
            }

            if (!size.FitsOneCall)
            {
                return;
            }

            try
            {
                if (!await _buffer.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false))
                {
                    return; // completed: send what we have
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return; // batch interval over
            }
        }
    }

    /// <summary>Moves the flows that fit one call, as they are, into <paramref name="outgoing"/>; the rest wait for the next round.</summary>
    private static void TakeOneCall(List<QueuedFlow> flows, List<LogEvent> outgoing)
    {
        CallSize size = default;
        int take = 0;
        while (take < flows.Count)
        {
            size.Add(flows[take].Line.Length);
            if (!size.FitsOneCall)
            {
                break;
            }

            take++;
        }

        take = Math.Max(take, Math.Min(1, flows.Count)); // a line too large for any call goes alone (and is dropped as oversized)
        for (int i = 0; i < take; i++)
        {
            outgoing.Add(new LogEvent(flows[i].TimestampMs, flows[i].Line));
        }

        flows.RemoveRange(0, take);
    }

    /// <summary>Takes the whole backlog (bounded by the buffer capacity) and folds it into flow summaries.</summary>
    private void FoldBacklog(List<QueuedFlow> flows, List<LogEvent> outgoing)
    {
        while (flows.Count < _options.BufferCapacity && _buffer.Reader.TryRead(out QueuedFlow flow))
        {
            flows.Add(flow);
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        int outOfRange = flows.RemoveAll(f => !CloudWatchBatcher.InTimeRange(f.TimestampMs, now));
        if (outOfRange > 0)
        {
            _counters.AddCloudWatchDroppedOutOfRange(outOfRange);
        }

        int before = outgoing.Count;
        int folded = _folder.Fold(flows, outgoing);
        int events = outgoing.Count - before;
        _counters.AddCloudWatchFolded(folded, events - (flows.Count - folded));
        FlowLogsLog.CloudWatchBacklogFolded(_logger, flows.Count, events);
        Release(outOfRange + flows.Count - events);
        flows.Clear();
    }

    private async Task SendAsync(List<LogEvent> batch, CancellationToken ct)
    {
        try
        {
            PutLogEventsResult result = await _putRetry.ExecuteAsync(
                async token =>
                {
                    if (_streamMissing)
                    {
                        await EnsureStreamAsync(token).ConfigureAwait(false);
                    }

                    await PaceAsync(token).ConfigureAwait(false);
                    _counters.AddCloudWatchRequest();
                    return await _client.PutLogEventsAsync(_options.LogGroupName, _options.LogStreamName, batch, token).ConfigureAwait(false);
                },
                ct).ConfigureAwait(false);
            long lines = LogEvent.CountLines(batch);
            long rejected = result.RejectedLines(batch);
            _counters.AddCloudWatchRejected(rejected);
            _counters.AddCloudWatchDelivered(lines - rejected);
        }
        catch (CloudWatchLogsException ex) when (ex.ErrorType == "DataAlreadyAcceptedException")
        {
            _counters.AddCloudWatchDelivered(LogEvent.CountLines(batch));
        }
        catch (CloudWatchLogsException ex)
        {
            long lines = LogEvent.CountLines(batch);
            FlowLogsLog.CloudWatchBatchDropped(_logger, batch.Count, lines, ex.ErrorType, ex);
            _counters.AddCloudWatchDroppedFailed(lines);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Anything else (an answer that is not the service's JSON, say from a proxy) costs this batch,
            // counted; it must not end the loop, which would stop shipping for good.
            long lines = LogEvent.CountLines(batch);
            FlowLogsLog.CloudWatchBatchDropped(_logger, batch.Count, lines, ex.GetType().Name, ex);
            _counters.AddCloudWatchDroppedFailed(lines);
        }
    }

    private async Task EnsureStreamAsync(CancellationToken ct)
    {
        await _setupRetry.ExecuteAsync(
            async token =>
            {
                bool exists;
                try
                {
                    exists = (await _client.DescribeLogGroupsAsync(_options.LogGroupName, token).ConfigureAwait(false)).Contains(_options.LogGroupName, StringComparer.Ordinal);
                }
                catch (CloudWatchLogsException ex) when (ex.ErrorType == "AccessDeniedException")
                {
                    exists = false; // a role may create and write without listing: try creating
                }

                if (!exists)
                {
                    try
                    {
                        await IgnoreAlreadyExists(_client.CreateLogGroupAsync(_options.LogGroupName, token)).ConfigureAwait(false);
                    }
                    catch (CloudWatchLogsException ex) when (ex.ErrorType == "AccessDeniedException")
                    {
                        // the group may exist and the role only write to it: the stream call will tell
                    }
                }

                await IgnoreAlreadyExists(_client.CreateLogStreamAsync(_options.LogGroupName, _options.LogStreamName, token)).ConfigureAwait(false);
            },
            ct).ConfigureAwait(false);
        _streamMissing = false;
    }

    private static async Task IgnoreAlreadyExists(Task call)
    {
        try
        {
            await call.ConfigureAwait(false);
        }
        catch (CloudWatchLogsException ex) when (ex.IsAlreadyExists)
        {
            // created earlier, by us or a previous run
        }
    }

    /// <summary>Keeps PutLogEvents calls at most <see cref="CloudWatchShipperOptions.MaxRequestsPerSecond"/> per second.</summary>
    private async Task PaceAsync(CancellationToken ct)
    {
        long now = _time.GetTimestamp();
        if (_nextRequestAt > now)
        {
            await Task.Delay(_time.GetElapsedTime(now, _nextRequestAt), _time, ct).ConfigureAwait(false);
            now = _time.GetTimestamp();
        }

        _nextRequestAt = now + (long)(_minRequestGap.TotalSeconds * _time.TimestampFrequency);
    }

    private ResiliencePipeline BuildRetry(string operation, Func<Exception, bool> retryable) =>
        new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && retryable(ex)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryBaseDelay,
                MaxDelay = _options.RetryMaxDelay,
                OnRetry = args =>
                {
                    _counters.AddCloudWatchRetry();
                    Exception ex = args.Outcome.Exception!;
                    if (ex is CloudWatchLogsException { IsResourceNotFound: true })
                    {
                        _streamMissing = true;
                        FlowLogsLog.CloudWatchStreamMissing(_logger, _options.LogStreamName);
                    }
                    else if (args.AttemptNumber % 10 == 0)
                    {
                        FlowLogsLog.CloudWatchCallFailed(_logger, operation, ex is CloudWatchLogsException c ? c.ErrorType : ex.GetType().Name, ex);
                    }

                    return default;
                },
            })
            .Build();
}
