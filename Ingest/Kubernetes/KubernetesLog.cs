using Microsoft.Extensions.Logging;

namespace Npa.Ingest.Kubernetes;

/// <summary>Log messages of the Kubernetes edge (EventIds 1100–1199).</summary>
internal static partial class KubernetesLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "{Resource}: listed {ObjectCount} objects at resourceVersion {ResourceVersion} ({Pages} pages, relist: {Relist}, synthetic deletes: {SyntheticDeletes})")]
    public static partial void Listed(ILogger logger, string resource, int objectCount, string resourceVersion, int pages, bool relist, int syntheticDeletes);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "{Resource}: watching from resourceVersion {ResourceVersion}")]
    public static partial void WatchStarted(ILogger logger, string resource, string resourceVersion);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "{Resource}: watch ended after {Lines} lines ({Reason}); resuming from resourceVersion {ResourceVersion}")]
    public static partial void WatchEnded(ILogger logger, string resource, int lines, string reason, string resourceVersion);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "{Resource}: resourceVersion {ResourceVersion} expired ({Reason}); relisting")]
    public static partial void WatchExpired(ILogger logger, string resource, string resourceVersion, string reason);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "{Resource}: skipped watch line {LineNumber}: {Reason}: {Line}")]
    public static partial void LineSkipped(ILogger logger, string resource, int lineNumber, string reason, string line);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Debug, Message = "{What}: attempt {Attempt} failed, retrying in {Delay}: {Error}")]
    public static partial void WatchRetry(ILogger logger, string what, int attempt, TimeSpan delay, string error);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "{What}: attempt {Attempt} failed, retrying in {Delay}: {Error}")]
    public static partial void WatchRetryUnexpected(ILogger logger, string what, int attempt, TimeSpan delay, string error, Exception? exception);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "{Kind} {Object} rejected (last accepted state kept): {Diagnostic}")]
    public static partial void ObjectRejected(ILogger logger, Npa.Resolver.Events.ResourceKind kind, Npa.Resolver.Model.ObjectRef @object, Npa.Resolver.Model.Diagnostic diagnostic);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Warning, Message = "{Resource}: watch stream silent for {IdleTimeout}; abandoning it")]
    public static partial void WatchIdle(ILogger logger, string resource, TimeSpan idleTimeout);

    [LoggerMessage(EventId = 1109, Level = LogLevel.Warning, Message = "{Resource}: watch error event ({Code} {Reason}): {Message}")]
    public static partial void WatchErrorEvent(ILogger logger, string resource, int code, string reason, string message);

    [LoggerMessage(EventId = 1110, Level = LogLevel.Debug, Message = "{Kind} {Object}: {Diagnostic}")]
    public static partial void ObjectWarning(ILogger logger, Npa.Resolver.Events.ResourceKind kind, Npa.Resolver.Model.ObjectRef @object, Npa.Resolver.Model.Diagnostic diagnostic);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Error, Message = "{What}: attempt {Attempt} refused, retrying in {Delay}: {Problem}")]
    public static partial void AccessRefused(ILogger logger, string what, int attempt, TimeSpan delay, string problem);

    [LoggerMessage(EventId = 1120, Level = LogLevel.Debug, Message = "write attempt {Attempt} failed, retrying in {Delay}: {Error}")]
    public static partial void WriteRetry(ILogger logger, int attempt, TimeSpan delay, string error);

    [LoggerMessage(EventId = 1121, Level = LogLevel.Information, Message = "PolicyEndpoints of {Namespace}/{PolicyName}: {Created} created, {Patched} patched, {Deleted} deleted, {Unchanged} unchanged")]
    public static partial void PolicyEndpointsReconciled(ILogger logger, string @namespace, string policyName, int created, int patched, int deleted, int unchanged);

    [LoggerMessage(EventId = 1122, Level = LogLevel.Warning, Message = "PolicyEndpoints of {Namespace}/{PolicyName}: reconcile failed, retrying next batch: {Error}")]
    public static partial void ReconcileFailed(ILogger logger, string @namespace, string policyName, string error, Exception exception);

    [LoggerMessage(EventId = 1130, Level = LogLevel.Information, Message = "leader election: {Identity} {Change} lease {Namespace}/{LeaseName}")]
    public static partial void Leadership(ILogger logger, string identity, string change, string @namespace, string leaseName);

    [LoggerMessage(EventId = 1131, Level = LogLevel.Error, Message = "leader election: lease {Namespace}/{LeaseName} refused ({Failures} attempts so far, retrying every {RetryPeriod}): {Problem}")]
    public static partial void LeaseRefused(ILogger logger, string @namespace, string leaseName, int failures, TimeSpan retryPeriod, string problem);

    [LoggerMessage(EventId = 1132, Level = LogLevel.Debug, Message = "leader election: {Operation} of lease {Namespace}/{LeaseName} failed: {Error}")]
    public static partial void LeaseFailed(ILogger logger, string operation, string @namespace, string leaseName, string error);
}
