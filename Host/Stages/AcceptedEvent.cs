using Npa.Resolver.Events;

namespace Npa.Host.Stages;

/// <summary>An input event the ingest stage journaled (or restored), stamped with when it was accepted.</summary>
public sealed record AcceptedEvent(ClusterEvent Event, long AcceptedTimestamp)
{
    /// <summary>Part of the journal's restored object set, which is resolved as one batch.</summary>
    public bool Restored { get; init; }

    /// <summary>The last object of the restored set: the batch is complete and its result goes on.</summary>
    public bool EndsRestore { get; init; }
}
