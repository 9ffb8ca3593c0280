namespace Npa.FlowLogs.CloudWatch;

/// <summary>Takes flow-log lines for CloudWatch Logs without ever blocking the caller.</summary>
public interface ICloudWatchLogsSink
{
    /// <summary>Queues one line (UTF-8, without its newline). Never blocks; when the buffer is full the oldest event is dropped and counted.</summary>
    void Enqueue(DateTime timestampUtc, ReadOnlySpan<byte> utf8Line);
}
