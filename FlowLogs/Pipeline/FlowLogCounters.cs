namespace Npa.FlowLogs.Pipeline;

/// <summary>
/// Every count the flow-log path keeps, for the metrics endpoint. Each loss has its own counter, so
/// produced = written + dropped can be checked stage by stage. Thread-safe; reads are snapshots.
/// </summary>
public sealed class FlowLogCounters
{
    private long _eventsRead;
    private long _decodeErrors;
    private long _ringBufferDrops;
    private long _readerChannelDrops;
    private long _eventsAggregated;
    private long _acceptsSkipped;
    private long _linesFormatted;
    private long _linesWritten;
    private long _fileDropsChannelFull;
    private long _fileDropsIoError;
    private long _fileIoErrors;
    private long _rotations;
    private long _cloudWatchEnqueued;
    private long _cloudWatchDelivered;
    private long _cloudWatchDroppedBufferFull;
    private long _cloudWatchDroppedOutOfRange;
    private long _cloudWatchDroppedFailed;
    private long _cloudWatchRejected;
    private long _cloudWatchRequests;
    private long _cloudWatchRetries;
    private long _cloudWatchFoldedLines;
    private long _cloudWatchSummaries;

    /// <summary>Events taken from the ring buffer.</summary>
    public long EventsRead => Volatile.Read(ref _eventsRead);

    /// <summary>Events whose bytes did not decode (wrong size, family, verdict or direction).</summary>
    public long DecodeErrors => Volatile.Read(ref _decodeErrors);

    /// <summary>Events the datapath could not reserve in the ring buffer (sum of its per-CPU drop counter).</summary>
    public long RingBufferDrops => Volatile.Read(ref _ringBufferDrops);

    /// <summary>Decoded records lost because the reader stopped while its channel was full (at most one per stop: a full channel otherwise leaves events in the kernel ring).</summary>
    public long ReaderChannelDrops => Volatile.Read(ref _readerChannelDrops);

    /// <summary>Repeated denies folded into an aggregated line's Count (not lost: counted in that line).</summary>
    public long EventsAggregated => Volatile.Read(ref _eventsAggregated);

    /// <summary>ACCEPT events not logged because accept logging is off.</summary>
    public long AcceptsSkipped => Volatile.Read(ref _acceptsSkipped);

    public long LinesFormatted => Volatile.Read(ref _linesFormatted);

    public long LinesWritten => Volatile.Read(ref _linesWritten);

    /// <summary>Lines dropped because the file writer was behind (its channel full).</summary>
    public long FileDropsChannelFull => Volatile.Read(ref _fileDropsChannelFull);

    /// <summary>Lines dropped because the file could not be written (disk full, unwritable directory).</summary>
    public long FileDropsIoError => Volatile.Read(ref _fileDropsIoError);

    public long FileIoErrors => Volatile.Read(ref _fileIoErrors);

    public long Rotations => Volatile.Read(ref _rotations);

    public long CloudWatchEnqueued => Volatile.Read(ref _cloudWatchEnqueued);

    public long CloudWatchDelivered => Volatile.Read(ref _cloudWatchDelivered);

    /// <summary>Events dropped because the in-memory buffer was full (outage or throttling longer than it holds).</summary>
    public long CloudWatchDroppedBufferFull => Volatile.Read(ref _cloudWatchDroppedBufferFull);

    /// <summary>Events dropped for being older than 14 days or more than 2 hours in the future.</summary>
    public long CloudWatchDroppedOutOfRange => Volatile.Read(ref _cloudWatchDroppedOutOfRange);

    /// <summary>Events dropped after a non-retryable error or left unsent at shutdown.</summary>
    public long CloudWatchDroppedFailed => Volatile.Read(ref _cloudWatchDroppedFailed);

    /// <summary>Events the service named in rejectedLogEventsInfo.</summary>
    public long CloudWatchRejected => Volatile.Read(ref _cloudWatchRejected);

    public long CloudWatchRequests => Volatile.Read(ref _cloudWatchRequests);

    public long CloudWatchRetries => Volatile.Read(ref _cloudWatchRetries);

    /// <summary>Lines the CloudWatch shipper folded into flow summaries while behind (not lost: each summary counts its lines).</summary>
    public long CloudWatchFoldedLines => Volatile.Read(ref _cloudWatchFoldedLines);

    /// <summary>Flow summary events the CloudWatch shipper made from those lines.</summary>
    public long CloudWatchSummaries => Volatile.Read(ref _cloudWatchSummaries);

    /// <summary>All CloudWatch events that will never be delivered.</summary>
    public long CloudWatchDropped => CloudWatchDroppedBufferFull + CloudWatchDroppedOutOfRange + CloudWatchDroppedFailed + CloudWatchRejected;

    public void AddEventsRead(long n = 1) => Interlocked.Add(ref _eventsRead, n);

    public void AddDecodeError() => Interlocked.Increment(ref _decodeErrors);

    /// <summary>The datapath's counter is cumulative: store its latest sum.</summary>
    public void SetRingBufferDrops(long total) => Volatile.Write(ref _ringBufferDrops, total);

    public void AddReaderChannelDrop() => Interlocked.Increment(ref _readerChannelDrops);

    public void AddEventsAggregated(long n = 1) => Interlocked.Add(ref _eventsAggregated, n);

    public void AddAcceptSkipped() => Interlocked.Increment(ref _acceptsSkipped);

    public void AddLinesFormatted(long n = 1) => Interlocked.Add(ref _linesFormatted, n);

    public void AddLinesWritten(long n) => Interlocked.Add(ref _linesWritten, n);

    public void AddFileDropsChannelFull(long n) => Interlocked.Add(ref _fileDropsChannelFull, n);

    public void AddFileDropsIoError(long n) => Interlocked.Add(ref _fileDropsIoError, n);

    public void AddFileIoError() => Interlocked.Increment(ref _fileIoErrors);

    public void AddRotation() => Interlocked.Increment(ref _rotations);

    public void AddCloudWatchEnqueued(long n = 1) => Interlocked.Add(ref _cloudWatchEnqueued, n);

    public void AddCloudWatchDelivered(long n) => Interlocked.Add(ref _cloudWatchDelivered, n);

    public void AddCloudWatchDroppedBufferFull(long n = 1) => Interlocked.Add(ref _cloudWatchDroppedBufferFull, n);

    public void AddCloudWatchDroppedOutOfRange(long n = 1) => Interlocked.Add(ref _cloudWatchDroppedOutOfRange, n);

    public void AddCloudWatchDroppedFailed(long n) => Interlocked.Add(ref _cloudWatchDroppedFailed, n);

    public void AddCloudWatchRejected(long n) => Interlocked.Add(ref _cloudWatchRejected, n);

    public void AddCloudWatchRequest() => Interlocked.Increment(ref _cloudWatchRequests);

    public void AddCloudWatchRetry() => Interlocked.Increment(ref _cloudWatchRetries);

    public void AddCloudWatchFolded(long lines, long summaries)
    {
        Interlocked.Add(ref _cloudWatchFoldedLines, lines);
        Interlocked.Add(ref _cloudWatchSummaries, summaries);
    }
}
