using Microsoft.Extensions.Logging;

namespace Npa.Host.Stages;

/// <summary>Log messages of the pipeline stages (EventIds 2000–2099).</summary>
internal static partial class StageLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Error, Message = "{Stage} failed on {Kind} {Object}; skipped, the pipeline goes on")]
    public static partial void ItemFailed(ILogger logger, Exception exception, string stage, string kind, string @object);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
        Message = "Restored {Objects} objects from the journal (last sequence {LastSequence}); {Problems} journal problems repaired")]
    public static partial void Restored(ILogger logger, int objects, ulong lastSequence, int problems);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "{Kind} deleted while the node was down: {Object}")]
    public static partial void DeletedWhileDown(ILogger logger, string kind, string @object);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "{Kind} {Object} rejected: {Reason}")]
    public static partial void Rejected(ILogger logger, string kind, string @object, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "Pod {Pod} programmed ({Rules} rules)")]
    public static partial void Programmed(ILogger logger, Npa.Resolver.Model.ObjectRef pod, int rules);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "Pod {Pod} removed")]
    public static partial void Removed(ILogger logger, Npa.Resolver.Model.ObjectRef pod);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Event source ready: first full list of every kind seen")]
    public static partial void SourceReady(ILogger logger);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "Pod list complete: {Removed} pods programmed before the start and gone since were removed, {Listed} pods on the node")]
    public static partial void StalePodsRemoved(ILogger logger, int removed, int listed);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "Pod {Pod} deleted while the agent was down: programs removed")]
    public static partial void StalePodRemoved(ILogger logger, Npa.Resolver.Model.ObjectRef pod);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "Periodic enforcer compare or conntrack sweep failed; next round in {Period}")]
    public static partial void MaintenanceFailed(ILogger logger, Exception exception, TimeSpan period);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Periodic enforcer compare, drift repair and conntrack sweep every {Period}")]
    public static partial void MaintenanceStarted(ILogger logger, TimeSpan period);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Information, Message = "First full lists of every kind ({Kinds}) seen: {Pods} pods handed on together")]
    public static partial void FirstListsComplete(ILogger logger, string kinds, int pods);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "No first full list of {Missing} after {Waited}: handing on the {Pods} pods resolved so far and following changes as they come")]
    public static partial void FirstListsIncomplete(ILogger logger, string missing, TimeSpan waited, int pods);
}
