using System.Text.Json.Nodes;
using Npa.Ingest.Translation;
using Npa.Resolver.Events;
using Npa.Resolver.Model;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// How an informer turns one kind's API objects into model values and domain events: the same
/// translator the manifest reader uses, and the event constructors.
/// </summary>
public sealed class ResourceDescriptor<T>
    where T : class
{
    public required ResourceKind Kind { get; init; }

    /// <summary>Validates and translates one API object (source names where it came from).</summary>
    public required Func<JsonObject, string, TranslationResult<T>> Translate { get; init; }

    public required Func<T, string, ClusterEvent> Upserted { get; init; }

    /// <summary>Builds the delete event from the last accepted value, its uid, the resourceVersion and whether it is synthetic.</summary>
    public required Func<T, string, string, bool, ClusterEvent> Deleted { get; init; }
}
