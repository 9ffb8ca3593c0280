using Npa.Enforcer.Attach;
using Npa.Enforcer.Maps;
using Npa.Resolver.MapState;

namespace Npa.Enforcer;

/// <summary>A pod the enforcer knows: where it is attached and what is programmed for it.</summary>
public sealed record PodStatus(
    PodKey Pod,
    uint PodId,
    uint IfIndex,
    AttachKind Attach,
    PodDirectionMode IngressMode,
    PodDirectionMode EgressMode,
    LpmPodState Programmed)
{
    /// <summary>The policy this process last applied to the pod; null for a pod adopted from pins and not applied since.</summary>
    public PodPolicy? Policy { get; init; }
}

/// <summary>What one <see cref="NodeEnforcer.Apply"/> wrote.</summary>
public sealed record ApplyResult(int PeerChanges, int PortChanges, bool ModesChanged, int ConntrackDeleted)
{
    public bool Changed => PeerChanges > 0 || PortChanges > 0 || ModesChanged;
}

/// <summary>What a full compare of the maps against the desired state found and repaired.</summary>
public sealed record DriftReport(int PodsChecked, int PodsRepaired, int EntriesRepaired, int OrphanEntriesRemoved);

/// <summary>Counters of the pod programs, summed over CPUs.</summary>
public sealed record EnforcerStats(
    ulong IngressAllow,
    ulong IngressDeny,
    ulong EgressAllow,
    ulong EgressDeny,
    ulong RingBufferDrops,
    ulong ConntrackHits,
    ulong Events,
    ulong FragmentUnknown,
    ulong IngressDenyBytes,
    ulong EgressDenyBytes);
