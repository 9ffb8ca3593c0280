using Npa.FlowLogs.Records;

namespace Npa.FlowLogs.CloudWatch;

/// <summary>Takes flow-log lines for CloudWatch Logs without ever blocking the caller.</summary>
public interface ICloudWatchLogsSink
{
    /// <summary>
    /// Queues one flow: its record and its formatted line (UTF-8; a trailing newline is ignored). The
    /// line is what goes out while the sink keeps up; the record lets it fold a backlog into flow
    /// summaries. Never blocks; when the buffer is full the oldest waiting line is dropped and counted.
    /// </summary>
    void Enqueue(in FlowRecord record, ReadOnlySpan<byte> utf8Line);
}
