using Npa.Resolver.Resolution;

namespace Npa.Host.Stages;

/// <summary>What one accepted event changed in the desired state.</summary>
public sealed record DesiredChanges(PodPolicyChanges Changes, long AcceptedTimestamp);
