using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.FlowLogs.Pipeline;
using Polly;
using Polly.Retry;

namespace Npa.FlowLogs.CloudWatch;

/// <summary>
/// Ships flow-log lines to one CloudWatch Logs stream per node. Lines go into a bounded in-memory
/// buffer (oldest dropped and counted when full), so the caller never waits on the service. One loop
/// creates the group and stream if missing, batches to the PutLogEvents limits, keeps to the
/// per-stream request rate, and retries throttling, 5xx and network errors with exponential backoff
/// and jitter for as long as it runs. Every event ends up delivered or counted in one drop counter.
/// </summary>
public sealed class CloudWatchShipper : ICloudWatchLogsSink, IAsyncDisposable
{
    private readonly CloudWatchLogsClient _client;
    private readonly CloudWatchShipperOptions _options;
    private readonly FlowLogCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<LogEvent> _buffer;
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
        _minRequestGap = TimeSpan.FromSeconds(1 / options.MaxRequestsPerSecond);
        _buffer = Channel.CreateBounded<LogEvent>(
            new BoundedChannelOptions(options.BufferCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => counters.AddCloudWatchDroppedBufferFull());
        _setupRetry = BuildRetry("CreateLogStream", static ex => ex is CloudWatchLogsException or HttpRequestException);
        _putRetry = BuildRetry("PutLogEvents", static ex => ex is CloudWatchLogsException { IsRetryable: true } or CloudWatchLogsException { IsResourceNotFound: true } or HttpRequestException or TaskCanceledException { InnerException: TimeoutException });
    }

    /// <summary>Events waiting in the buffer.</summary>
    public int Buffered => _buffer.Reader.Count;

    public void Enqueue(DateTime timestampUtc, ReadOnlySpan<byte> utf8Line)
    {
        if (!utf8Line.IsEmpty && utf8Line[^1] == (byte)'\n')
        {
            utf8Line = utf8Line[..^1];
        }

        _counters.AddCloudWatchEnqueued();
        long ms = (long)(timestampUtc - DateTime.UnixEpoch).TotalMilliseconds;
        if (!_buffer.Writer.TryWrite(new LogEvent(ms, utf8Line.ToArray())))
        {
            _counters.AddCloudWatchDroppedFailed(1); // stopped: nothing will send it
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
        _buffer.Writer.TryComplete();
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
        List<LogEvent> pending = [];
        List<LogEvent> batch = [];
        try
        {
            while (true)
            {
                if (pending.Count == 0 && !await _buffer.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                {
                    return; // stopped and drained
                }

                await FillAsync(pending, ct).ConfigureAwait(false);
                int outOfRange = CloudWatchBatcher.TakeBatch(pending, batch, _time.GetUtcNow().ToUnixTimeMilliseconds());
                if (outOfRange > 0)
                {
                    _counters.AddCloudWatchDroppedOutOfRange(outOfRange);
                }

                if (batch.Count > 0)
                {
                    await SendAsync(batch, ct).ConfigureAwait(false);
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
            CountUnsent(pending.Count + batch.Count);
        }
    }

    private void CountUnsent(int held)
    {
        long unsent = held;
        while (_buffer.Reader.TryRead(out _))
        {
            unsent++;
        }

        if (unsent > 0)
        {
            _counters.AddCloudWatchDroppedFailed(unsent);
            FlowLogsLog.CloudWatchUnsentAtStop(_logger, unsent);
        }
    }

    /// <summary>Collects up to one batch worth of events, waiting at most one batch interval for more.</summary>
    private async Task FillAsync(List<LogEvent> pending, CancellationToken ct)
    {
        using CancellationTokenSource window = new(_options.BatchInterval, _time);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(ct, window.Token);
        while (pending.Count < CloudWatchLimits.MaxEventsPerBatch)
        {
            while (pending.Count < CloudWatchLimits.MaxEventsPerBatch && _buffer.Reader.TryRead(out LogEvent e))
            {
                pending.Add(e);
            }

            if (pending.Count >= CloudWatchLimits.MaxEventsPerBatch)
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
            int rejected = result.RejectedCount(batch.Count);
            _counters.AddCloudWatchRejected(rejected);
            _counters.AddCloudWatchDelivered(batch.Count - rejected);
        }
        catch (CloudWatchLogsException ex) when (ex.ErrorType == "DataAlreadyAcceptedException")
        {
            _counters.AddCloudWatchDelivered(batch.Count);
        }
        catch (CloudWatchLogsException ex)
        {
            FlowLogsLog.CloudWatchBatchDropped(_logger, batch.Count, ex.ErrorType, ex);
            _counters.AddCloudWatchDroppedFailed(batch.Count);
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
