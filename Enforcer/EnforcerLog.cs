using Microsoft.Extensions.Logging;

namespace Npa.Enforcer;

/// <summary>Log messages of the enforcer (EventIds 3000-3099).</summary>
internal static partial class EnforcerLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Enforcer opened at {Root}: adopted={Adopted}, {PodCount} pods known")]
    public static partial void Opened(ILogger logger, string root, bool adopted, int podCount);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Pod {Pod} ensured on {Interface} (ifindex {IfIndex}, pod id {PodId}, {Attach}, mode {Mode})")]
    public static partial void PodEnsured(ILogger logger, PodKey pod, string @interface, uint ifIndex, uint podId, Attach.AttachKind attach, EnforcingMode mode);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Pod {Pod} policy applied: {Changes}; {ConntrackDeleted} conntrack entries revoked")]
    public static partial void PolicyApplied(ILogger logger, PodKey pod, object changes, int conntrackDeleted);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "Pod {Pod} removed (pod id {PodId})")]
    public static partial void PodRemoved(ILogger logger, PodKey pod, uint podId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Pod {Pod}: programmed maps drifted from the desired state ({Changes}); repaired")]
    public static partial void DriftRepaired(ILogger logger, PodKey pod, object changes);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Pod {Pod} replaces stale pod {StalePod} on ifindex {IfIndex}")]
    public static partial void StalePodReplaced(ILogger logger, PodKey pod, PodKey stalePod, uint ifIndex);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Removed {Count} map entries of pod id {PodId} that no known pod owns")]
    public static partial void OrphansRemoved(ILogger logger, int count, uint podId);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "Pod {Pod}: writing the policy failed; programmed state re-read from the maps")]
    public static partial void ApplyFailed(ILogger logger, Exception error, PodKey pod);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Debug, Message = "Rule ids swept: {Removed} removed, {Unreferenced} unreferenced (removed at the next sweep unless used again), {Live} held of {Capacity}")]
    public static partial void RuleIdsSwept(ILogger logger, int removed, int unreferenced, int live, int capacity);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Information, Message = "Rule id map nearly full, swept on demand: {Removed} removed, {Unreferenced} unreferenced, {Live} held of {Capacity}")]
    public static partial void RuleIdsSweptOnDemand(ILogger logger, int removed, int unreferenced, int live, int capacity);
}
