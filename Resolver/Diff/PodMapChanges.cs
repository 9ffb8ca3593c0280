using Npa.Resolver.MapState;

namespace Npa.Resolver.Diff;

/// <summary>
/// Everything to write for one pod, in the order that never judges a packet by a half-written policy:
/// port adds/updates, then peer adds/updates, then the modes, then peer deletes, then port deletes.
/// (Set ids are content-derived, so a new set is complete before any prefix points at it.)
/// </summary>
public sealed record PodMapChanges(
    ChangeSet<LpmPeerKey, uint> Peers,
    ChangeSet<LpmPortKey, uint> Ports,
    bool ModesChange)
{
    public bool IsEmpty => Peers.IsEmpty && Ports.IsEmpty && !ModesChange;

    public static PodMapChanges Compute(LpmPodState desired, LpmPodState programmed)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(programmed);
        return new PodMapChanges(
            MapDiff.Compute(desired.Peers, programmed.Peers),
            MapDiff.Compute(desired.Ports, programmed.Ports),
            desired.IngressIsolated != programmed.IngressIsolated || desired.EgressIsolated != programmed.EgressIsolated);
    }

    /// <summary>The programmed state after these changes: pure.</summary>
    public LpmPodState ApplyTo(LpmPodState programmed, LpmPodState desired)
    {
        ArgumentNullException.ThrowIfNull(programmed);
        ArgumentNullException.ThrowIfNull(desired);
        return new LpmPodState(
            desired.IngressIsolated,
            desired.EgressIsolated,
            new SortedDictionary<LpmPeerKey, uint>(Peers.ApplyTo(programmed.Peers)),
            new SortedDictionary<LpmPortKey, uint>(Ports.ApplyTo(programmed.Ports)));
    }

    public override string ToString() => $"peers {Peers}, ports {Ports}{(ModesChange ? ", modes" : string.Empty)}";
}
