using Microsoft.Extensions.Logging;

namespace Npa.Host.Daemons;

/// <summary>Log messages of the controller's resolve stage and publisher.</summary>
internal static partial class ControllerLog
{
    [LoggerMessage(EventId = 2110, Level = LogLevel.Information,
        Message = "First lists complete: {Policies} NetworkPolicies, {Pods} pods, PolicyEndpoints of {PublishedPolicies} policies exist; checking every policy")]
    public static partial void FirstListsComplete(ILogger logger, int policies, int pods, int publishedPolicies);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Debug, Message = "Built PolicyEndpoints of {Built} policies ({Gone} gone) in {ElapsedMs:F1} ms")]
    public static partial void Built(ILogger logger, int built, int gone, double elapsedMs);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Information, Message = "Leading: checking the PolicyEndpoints of {Policies} policies against what exists")]
    public static partial void TermStarted(ILogger logger, int policies);
}
