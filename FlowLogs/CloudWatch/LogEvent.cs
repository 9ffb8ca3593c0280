namespace Npa.FlowLogs.CloudWatch;

/// <summary>One CloudWatch Logs event: Unix time in milliseconds and the UTF-8 message (one flow-log line, no newline).</summary>
public readonly record struct LogEvent(long TimestampMs, byte[] Message)
{
    public int BatchBytes => Message.Length + CloudWatchLimits.PerEventOverheadBytes;
}
