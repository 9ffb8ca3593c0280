using Microsoft.Extensions.Logging;

namespace Npa.Host.Daemons;

/// <summary>The EKS agent's <c>--log-level</c> words as .NET log levels.</summary>
public static class LogLevels
{
    public static LogLevel Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "debug" => LogLevel.Debug,
        "info" or null or "" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new ArgumentException($"--log-level '{text}' is not one of debug, info, warn, error", nameof(text)),
    };
}
