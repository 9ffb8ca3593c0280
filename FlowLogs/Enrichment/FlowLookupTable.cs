using System.Collections.Frozen;
using Npa.FlowLogs.Records;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Enrichment;

/// <summary>
/// All three lookups from one immutable snapshot that the owner replaces as a whole (<see cref="Publish"/>),
/// so the flow path reads without locks.
/// </summary>
public sealed class FlowLookupTable : IPodLookup, IRuleLookup, IIsolationLookup
{
    private Snapshot _current = Snapshot.Empty;

    public void Publish(
        IEnumerable<KeyValuePair<FlowAddress, PodIdentity>> pods,
        IEnumerable<KeyValuePair<uint, RuleRef>> rules,
        IEnumerable<KeyValuePair<(PodIdentity Pod, Direction Direction), IReadOnlyList<string>>> isolation)
    {
        Volatile.Write(ref _current, new Snapshot(pods.ToFrozenDictionary(), rules.ToFrozenDictionary(), isolation.ToFrozenDictionary()));
    }

    public bool TryGetPod(FlowAddress address, out PodIdentity? pod) => Volatile.Read(ref _current).Pods.TryGetValue(address, out pod);

    public bool TryGetRule(uint ruleId, out RuleRef? rule) => Volatile.Read(ref _current).Rules.TryGetValue(ruleId, out rule);

    public bool TryGetIsolatingPolicies(PodIdentity pod, Direction direction, out IReadOnlyList<string>? policies) =>
        Volatile.Read(ref _current).Isolation.TryGetValue((pod, direction), out policies);

    private sealed record Snapshot(
        FrozenDictionary<FlowAddress, PodIdentity> Pods,
        FrozenDictionary<uint, RuleRef> Rules,
        FrozenDictionary<(PodIdentity Pod, Direction Direction), IReadOnlyList<string>> Isolation)
    {
        public static readonly Snapshot Empty = new(
            FrozenDictionary<FlowAddress, PodIdentity>.Empty,
            FrozenDictionary<uint, RuleRef>.Empty,
            FrozenDictionary<(PodIdentity, Direction), IReadOnlyList<string>>.Empty);
    }
}
