using Microsoft.Extensions.Logging;

namespace Npa.Host.Lab;

/// <summary>Log messages of the lab (EventIds 7000-7099).</summary>
internal static partial class LabLog
{
    [LoggerMessage(7000, LogLevel.Information, "Lab {LabId} node namespace {NodeNetns} ready; enforcer: {Enforcer}")]
    public static partial void NodeReady(ILogger logger, string labId, string nodeNetns, string enforcer);

    [LoggerMessage(7001, LogLevel.Information, "Pod {Pod} up in {Netns} (host veth {HostVeth}, {Ips}, listening on {Ports})")]
    public static partial void PodUp(ILogger logger, string pod, string netns, string hostVeth, string ips, string ports);

    [LoggerMessage(7002, LogLevel.Information, "Pod {Pod} removed")]
    public static partial void PodRemoved(ILogger logger, string pod);

    [LoggerMessage(7003, LogLevel.Information, "Programmed generation {Generation} ({Pods} pods; {Pending} still differ from their desired policy)")]
    public static partial void Programmed(ILogger logger, long generation, int pods, int pending);

    [LoggerMessage(7004, LogLevel.Warning, "{Diagnostic}")]
    public static partial void ManifestDiagnostic(ILogger logger, string diagnostic);

    [LoggerMessage(7005, LogLevel.Error, "Publishing the programmed generation failed; will retry on the next change")]
    public static partial void PublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(7006, LogLevel.Information, "Lab {LabId} torn down: {Removed}")]
    public static partial void TornDown(ILogger logger, string labId, string removed);

    [LoggerMessage(7007, LogLevel.Error, "Enforcer failed to detach pod {Pod}")]
    public static partial void EnforceFailed(ILogger logger, Exception exception, string pod);

    [LoggerMessage(7008, LogLevel.Debug, "Flow log {File} could not be read")]
    public static partial void FlowLogUnreadable(ILogger logger, Exception exception, string file);

    [LoggerMessage(7010, LogLevel.Error, "Removing pod {Pod} from the lab failed")]
    public static partial void PodRemovalFailed(ILogger logger, Exception exception, string pod);

    [LoggerMessage(7009, LogLevel.Warning, "Stopping the lab's agent failed; tearing down anyway")]
    public static partial void AgentStopFailed(ILogger logger, Exception exception);
}
