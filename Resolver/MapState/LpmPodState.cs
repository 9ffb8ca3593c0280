namespace Npa.Resolver.MapState;

/// <summary>
/// The map contents one pod needs, as plain values (no native layout): whether each direction is
/// isolated, the peer entries (prefix to rule-set id; set id 0 = no rule allows this prefix) and the
/// port entries (rule set, protocol and port block to the rule id that allows it). The enforcer adds
/// the pod id when it encodes keys. Both dictionaries are sorted, so output is deterministic.
/// </summary>
public sealed record LpmPodState(
    bool IngressIsolated,
    bool EgressIsolated,
    IReadOnlyDictionary<LpmPeerKey, uint> Peers,
    IReadOnlyDictionary<LpmPortKey, uint> Ports)
{
    /// <summary>Neither direction isolated, no entries.</summary>
    public static LpmPodState Open { get; } = new(false, false,
        new SortedDictionary<LpmPeerKey, uint>(), new SortedDictionary<LpmPortKey, uint>());

    public bool IsIsolated(Model.Direction direction) =>
        direction == Model.Direction.Ingress ? IngressIsolated : EgressIsolated;

    public bool Equals(LpmPodState? other) =>
        other is not null && IngressIsolated == other.IngressIsolated && EgressIsolated == other.EgressIsolated &&
        Peers.Count == other.Peers.Count && Ports.Count == other.Ports.Count &&
        Peers.All(p => other.Peers.TryGetValue(p.Key, out uint v) && v == p.Value) &&
        Ports.All(p => other.Ports.TryGetValue(p.Key, out uint v) && v == p.Value);

    public override int GetHashCode() => HashCode.Combine(IngressIsolated, EgressIsolated, Peers.Count, Ports.Count);
}
