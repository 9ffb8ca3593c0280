using MessagePack;
using Npa.Resolver.Events;

namespace Npa.Ingest.Journal;

/// <summary>What a journal event does to the object set.</summary>
public enum JournalOperation : byte
{
    Unknown = 0,
    Upsert = 1,
    Delete = 2,

    /// <summary>A source finished its (re)list of <see cref="JournalEvent.Kind"/>; changes no object.</summary>
    SourceSynced = 3,
}

/// <summary>
/// One input event as the journal stores it: an upsert carries the whole object in the payload
/// field of its kind, a delete carries only the identity. Field numbers are the wire format: never
/// renumber, only add.
/// </summary>
[MessagePackObject]
public sealed class JournalEvent
{
    [Key(0)]
    public JournalOperation Operation { get; set; }

    /// <summary>The kind of object; stored as the byte value of <see cref="ResourceKind"/>.</summary>
    [Key(1)]
    public ResourceKind Kind { get; set; }

    /// <summary>The object's namespace; empty for cluster-scoped objects (Namespace).</summary>
    [Key(2)]
    public string Namespace { get; set; } = "";

    [Key(3)]
    public string Name { get; set; } = "";

    [Key(4)]
    public NamespaceDto? NamespaceObject { get; set; }

    [Key(5)]
    public PodDto? Pod { get; set; }

    [Key(6)]
    public PolicyDto? Policy { get; set; }

    [Key(7)]
    public ServiceDto? Service { get; set; }

    [Key(8)]
    public PolicyEndpointDto? PolicyEndpoint { get; set; }

    [IgnoreMember]
    public JournalObjectKey Key => new(Kind, Namespace, Name);

    public override string ToString() =>
        Operation == JournalOperation.SourceSynced ? $"{Kind} synced" : $"{Operation} {Key}";
}
