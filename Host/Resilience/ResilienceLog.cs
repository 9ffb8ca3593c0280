using Microsoft.Extensions.Logging;

namespace Npa.Host.Resilience;

/// <summary>Log messages of the resilience pipelines (EventIds 2900–2919).</summary>
internal static partial class ResilienceLog
{
    [LoggerMessage(EventId = 2900, Level = LogLevel.Debug, Message = "{Pipeline}: attempt {Attempt} in {Delay} after: {Error}")]
    public static partial void Retrying(ILogger logger, string pipeline, int attempt, TimeSpan delay, string error);
}
