using Microsoft.Extensions.Logging;
using Npa.Ingest.Journal;
using Npa.Resolver.Events;
using Npa.Resolver.Model;

namespace Npa.Host.Stages;

/// <summary>The identity of the object a stage works on, for log scopes and error messages.</summary>
internal static class StageScope
{
    public static (string Kind, string Object) Identify(ClusterEvent e) => e switch
    {
        ObjectRejected r => (r.RejectedKind.ToString(), r.Object.ToString()),
        SourceSynced s => (s.SyncedKind.ToString(), "(list)"),
        _ => ClusterEventMapper.KeyOf(e) is { } key
            ? (key.Kind.ToString(), string.IsNullOrEmpty(key.Namespace) ? key.Name : $"{key.Namespace}/{key.Name}")
            : (e.Kind.ToString(), "?"),
    };

    public static IDisposable? Begin(ILogger logger, string kind, string @object) =>
        logger.BeginScope(new LogScope(new("Kind", kind), new("Object", @object)));

    public static IDisposable? Begin(ILogger logger, ObjectRef pod) =>
        logger.BeginScope(new LogScope(new("Kind", "Pod"), new("Namespace", pod.Namespace), new("PodName", pod.Name)));
}
