namespace Npa.Resolver.Events;

/// <summary>
/// The kinds of cluster object the pipeline consumes. Journal files store these byte values (the
/// event journal's <c>Kind</c>), so 0 is Unknown and a value is never renumbered, only added.
/// </summary>
public enum ResourceKind : byte
{
    Unknown = 0,
    Namespace = 1,
    Pod = 2,
    NetworkPolicy = 3,
    Service = 4,
    PolicyEndpoint = 5,
}
