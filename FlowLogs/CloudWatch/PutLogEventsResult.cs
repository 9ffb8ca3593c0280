namespace Npa.FlowLogs.CloudWatch;

/// <summary>
/// The answer to PutLogEvents. <c>rejectedLogEventsInfo</c> indexes: events before
/// <see cref="TooOldEndIndex"/> / <see cref="ExpiredEndIndex"/> and from <see cref="TooNewStartIndex"/> on were not stored.
/// </summary>
public sealed record PutLogEventsResult(int? TooNewStartIndex, int? TooOldEndIndex, int? ExpiredEndIndex)
{
    public static readonly PutLogEventsResult AllAccepted = new(null, null, null);

    /// <summary>How many of <paramref name="batchSize"/> events the service rejected.</summary>
    public int RejectedCount(int batchSize)
    {
        int low = Math.Clamp(Math.Max(TooOldEndIndex ?? 0, ExpiredEndIndex ?? 0), 0, batchSize);
        int high = TooNewStartIndex is int start ? Math.Clamp(batchSize - start, 0, batchSize) : 0;
        return Math.Min(batchSize, low + high);
    }

    /// <summary>How many flow lines the rejected events of <paramref name="batch"/> carried.</summary>
    public long RejectedLines(IReadOnlyList<LogEvent> batch)
    {
        int low = Math.Clamp(Math.Max(TooOldEndIndex ?? 0, ExpiredEndIndex ?? 0), 0, batch.Count);
        int high = TooNewStartIndex is int start ? Math.Clamp(start, low, batch.Count) : batch.Count;
        long lines = 0;
        for (int i = 0; i < batch.Count; i++)
        {
            if (i < low || i >= high)
            {
                lines += batch[i].Lines;
            }
        }

        return lines;
    }
}
