using Microsoft.Extensions.Logging;

namespace Npa.Host.Daemons;

/// <summary>Log messages of the daemons' wiring (EventIds 2100–2119).</summary>
internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Debug, Message = "Resolved: {Changed} pods changed, {Removed} removed, {Total} pods in total")]
    public static partial void Resolved(ILogger logger, int changed, int removed, int total);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information,
        Message = "ConfigMap {Namespace}/{Name} does not set {Key}: \"true\"; not publishing PolicyEndpoints (checking again in 30 s)")]
    public static partial void ConfigMapDisabled(ILogger logger, string @namespace, string name, string key);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "ConfigMap {Namespace}/{Name} could not be read: {Error}")]
    public static partial void ConfigMapUnreadable(ILogger logger, string @namespace, string name, string error);
}
