using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Resolver.Verdicts;

/// <summary>Outcome of a verdict.</summary>
public enum Verdict
{
    Unknown = 0,
    Allow = 1,
    Deny = 2,
}

/// <summary>
/// One side of a connection: the egress of the source or the ingress of the destination. When the pod
/// is not isolated for the direction everything passes; otherwise <see cref="AllowedBy"/> names the rules that let the packet through.
/// </summary>
public sealed record DirectionVerdict(
    Direction Direction,
    ObjectRef Pod,
    bool Isolated,
    bool Allowed,
    IReadOnlyList<ObjectRef> IsolatingPolicies,
    IReadOnlyList<AllowRule> AllowedBy);

/// <summary>
/// The verdict for one probe from one pod to another, with the addresses it was decided for and both sides' reasons.
/// <see cref="Egress"/> and <see cref="Ingress"/> are null when no address pair could be chosen.
/// </summary>
public sealed record ConnectionVerdict(
    ObjectRef From,
    ObjectRef To,
    Probe Probe,
    Verdict Verdict,
    string Reason,
    int? Port,
    IPAddress? FromIp,
    IPAddress? ToIp,
    DirectionVerdict? Egress,
    DirectionVerdict? Ingress)
{
    public bool Allowed => Verdict == Verdict.Allow;
}
