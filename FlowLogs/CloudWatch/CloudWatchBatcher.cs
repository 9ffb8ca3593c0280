namespace Npa.FlowLogs.CloudWatch;

/// <summary>
/// Pure batching: from pending events (any order) takes the next PutLogEvents batch: chronological,
/// at most 10,000 events and 1,048,576 bytes (message + 26 per event), spanning at most 24 hours.
/// Events out of the service's accepted time range (relative to <c>nowMs</c>) or too large are
/// removed and reported as dropped, in flow lines (<see cref="LogEvent.Lines"/>).
/// </summary>
public static class CloudWatchBatcher
{
    /// <summary>
    /// Sorts <paramref name="pending"/> by time, drops out-of-range events (returns the lines they carried), and moves
    /// the next batch into <paramref name="batch"/>; what does not fit stays in <paramref name="pending"/>.
    /// </summary>
    public static int TakeBatch(List<LogEvent> pending, List<LogEvent> batch, long nowMs)
    {
        batch.Clear();
        int dropped = 0;
        pending.RemoveAll(e =>
        {
            bool drop = !InTimeRange(e.TimestampMs, nowMs) || e.Message.Length > CloudWatchLimits.MaxMessageBytes;
            dropped += drop ? e.Lines : 0;
            return drop;
        });
        if (pending.Count == 0)
        {
            return dropped;
        }

        pending.Sort(static (a, b) => a.TimestampMs.CompareTo(b.TimestampMs)); // List.Sort is unstable; equal times may swap, which the service allows.
        long spanEnd = pending[0].TimestampMs + (long)CloudWatchLimits.MaxBatchSpan.TotalMilliseconds;
        int bytes = 0;
        int take = 0;
        while (take < pending.Count && take < CloudWatchLimits.MaxEventsPerBatch)
        {
            LogEvent e = pending[take];
            if (e.TimestampMs >= spanEnd || bytes + e.BatchBytes > CloudWatchLimits.MaxBatchBytes)
            {
                break;
            }

            bytes += e.BatchBytes;
            take++;
        }

        batch.AddRange(pending.GetRange(0, take));
        pending.RemoveRange(0, take);
        return dropped;
    }

    /// <summary>Whether the service accepts an event at <paramref name="timestampMs"/>: at most 14 days old and 2 hours ahead.</summary>
    public static bool InTimeRange(long timestampMs, long nowMs) =>
        timestampMs >= nowMs - (long)CloudWatchLimits.MaxEventAge.TotalMilliseconds
        && timestampMs <= nowMs + (long)CloudWatchLimits.MaxEventFuture.TotalMilliseconds;

    /// <summary>Whether <paramref name="events"/> events of <paramref name="bytes"/> (message + overhead) fit one PutLogEvents call.</summary>
    public static bool FitsOneCall(int events, long bytes) =>
        events <= CloudWatchLimits.MaxEventsPerBatch && bytes <= CloudWatchLimits.MaxBatchBytes;
}
