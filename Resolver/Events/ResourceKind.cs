namespace Npa.Resolver.Events;

/// <summary>The kinds of cluster object the pipeline consumes. Crosses the journal, so 0 is Unknown.</summary>
public enum ResourceKind : byte
{
    Unknown = 0,
    Namespace = 1,
    Pod = 2,
    NetworkPolicy = 3,
    Service = 4,
    PolicyEndpoint = 5,
}
