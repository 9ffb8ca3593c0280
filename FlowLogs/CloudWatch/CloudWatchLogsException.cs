using System.Net;

namespace Npa.FlowLogs.CloudWatch;

/// <summary>An error answer from CloudWatch Logs: its error type (the <c>__type</c> without namespace) and HTTP status.</summary>
public sealed class CloudWatchLogsException : Exception
{
    public CloudWatchLogsException(string operation, string errorType, HttpStatusCode statusCode, string? serviceMessage)
        : base($"CloudWatch Logs {operation} failed: {errorType} (HTTP {(int)statusCode}){(string.IsNullOrEmpty(serviceMessage) ? "" : ": " + serviceMessage)}")
    {
        Operation = operation;
        ErrorType = errorType;
        StatusCode = statusCode;
    }

    public string Operation { get; }

    public string ErrorType { get; }

    public HttpStatusCode StatusCode { get; }

    /// <summary>Throttling, service unavailable and 5xx are worth retrying; bad requests are not.</summary>
    public bool IsRetryable =>
        ErrorType is "ThrottlingException" or "ServiceUnavailableException" or "RequestTimeout" or "RequestTimeoutException"
        || (int)StatusCode >= 500 || StatusCode == HttpStatusCode.TooManyRequests;

    public bool IsResourceNotFound => ErrorType == "ResourceNotFoundException";

    public bool IsAlreadyExists => ErrorType == "ResourceAlreadyExistsException";
}
