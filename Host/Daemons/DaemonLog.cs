using Microsoft.Extensions.Logging;

namespace Npa.Host.Daemons;

/// <summary>Log messages of the daemons' wiring (EventIds 2100–2119).</summary>
internal static partial class DaemonLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Debug, Message = "Resolved: {Changed} pods changed, {Removed} removed, {Total} pods in total")]
    public static partial void Resolved(ILogger logger, int changed, int removed, int total);
}
