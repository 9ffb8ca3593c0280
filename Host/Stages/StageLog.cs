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
}
