using Microsoft.Extensions.Logging;

namespace Npa.FlowLogs;

/// <summary>Log messages of the flow-log path (EventIds 5000–5999). Never per flow: flows go to their own file.</summary>
internal static partial class FlowLogsLog
{
    [LoggerMessage(5000, LogLevel.Warning, "Flow log file {Path} could not be written; dropping lines until {RetryAt}")]
    public static partial void FileWriteFailed(ILogger logger, string path, DateTimeOffset retryAt, Exception exception);

    [LoggerMessage(5001, LogLevel.Information, "Flow log file rotated to {BackupPath}")]
    public static partial void FileRotated(ILogger logger, string backupPath);

    [LoggerMessage(5002, LogLevel.Warning, "Old flow log backup {Path} could not be deleted")]
    public static partial void BackupDeleteFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(5010, LogLevel.Information, "Reading flow events from ring buffer {PinPath}")]
    public static partial void ReaderStarted(ILogger logger, string pinPath);

    [LoggerMessage(5011, LogLevel.Error, "Ring buffer poll on {PinPath} failed with errno {Errno}; reader stops")]
    public static partial void ReaderPollFailed(ILogger logger, string pinPath, int errno);

    [LoggerMessage(5012, LogLevel.Warning, "Drop counter map {PinPath} could not be read (errno {Errno})")]
    public static partial void DropCounterReadFailed(ILogger logger, string pinPath, int errno);

    [LoggerMessage(5020, LogLevel.Information, "Shipping flow logs to CloudWatch Logs group {LogGroup} stream {LogStream} at {Endpoint}")]
    public static partial void ShipperStarted(ILogger logger, string logGroup, string logStream, Uri endpoint);

    [LoggerMessage(5021, LogLevel.Warning, "CloudWatch Logs call {Operation} failed ({ErrorType}); will retry")]
    public static partial void CloudWatchCallFailed(ILogger logger, string operation, string errorType, Exception exception);

    [LoggerMessage(5022, LogLevel.Warning, "CloudWatch Logs dropped a batch of {Events} events ({Lines} flow lines) after a non-retryable {ErrorType}")]
    public static partial void CloudWatchBatchDropped(ILogger logger, int events, long lines, string errorType, Exception exception);

    [LoggerMessage(5023, LogLevel.Information, "CloudWatch Logs stream {LogStream} is missing; creating it")]
    public static partial void CloudWatchStreamMissing(ILogger logger, string logStream);

    [LoggerMessage(5024, LogLevel.Warning, "CloudWatch Logs shipper stopped with {Events} events unsent; counted as dropped")]
    public static partial void CloudWatchUnsentAtStop(ILogger logger, long events);

    [LoggerMessage(5025, LogLevel.Debug, "CloudWatch Logs shipper is behind: folded a backlog of {Lines} flow lines into {Events} events")]
    public static partial void CloudWatchBacklogFolded(ILogger logger, int lines, int events);
}
