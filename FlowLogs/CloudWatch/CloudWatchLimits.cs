namespace Npa.FlowLogs.CloudWatch;

/// <summary>PutLogEvents limits from the CloudWatch Logs API reference.</summary>
public static class CloudWatchLimits
{
    public const int MaxEventsPerBatch = 10_000;
    public const int MaxBatchBytes = 1_048_576;
    public const int PerEventOverheadBytes = 26;

    /// <summary>Largest single message we send (the historical per-event limit, 256 KiB, minus the overhead).</summary>
    public const int MaxMessageBytes = (256 * 1024) - PerEventOverheadBytes;

    public static readonly TimeSpan MaxBatchSpan = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxEventAge = TimeSpan.FromDays(14);
    public static readonly TimeSpan MaxEventFuture = TimeSpan.FromHours(2);
}
