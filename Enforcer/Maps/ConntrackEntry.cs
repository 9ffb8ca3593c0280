using System.Net;
using Npa.Resolver.Model;

namespace Npa.Enforcer.Maps;

/// <summary>
/// One allowed flow in npa_ct_v1: the pod, the direction it was allowed in, and its tuple as the
/// flow's first packet had it. Replies match it reversed.
/// </summary>
public sealed record ConntrackEntry(
    uint PodId,
    Direction Direction,
    Protocol Protocol,
    IPAddress Source,
    int SourcePort,
    IPAddress Destination,
    int DestinationPort,
    uint RuleId,
    ulong LastSeenNs)
{
    /// <summary>The peer of the pod: the source for ingress, the destination for egress.</summary>
    public IPAddress Peer => Direction == Direction.Ingress ? Source : Destination;

    public override string ToString() =>
        $"pod {PodId} {Direction.ToString().ToLowerInvariant()} {Protocol} {Source}:{SourcePort} -> {Destination}:{DestinationPort} rule {RuleId}";
}
