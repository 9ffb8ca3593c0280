using Npa.FlowLogs.Records;

namespace Npa.FlowLogs.CloudWatch;

/// <summary>A flow waiting for CloudWatch: its record (to fold by) and its line exactly as written to the file, without the newline.</summary>
public readonly record struct QueuedFlow(FlowRecord Record, byte[] Line)
{
    public long TimestampMs => LogEvent.UnixMilliseconds(Record.Timestamp);
}
