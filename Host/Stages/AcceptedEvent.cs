using Npa.Resolver.Events;

namespace Npa.Host.Stages;

/// <summary>An input event the ingest stage journaled (or restored), stamped with when it was accepted.</summary>
public sealed record AcceptedEvent(ClusterEvent Event, long AcceptedTimestamp);
