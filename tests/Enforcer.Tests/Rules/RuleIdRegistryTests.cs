using Npa.Enforcer.Native;
using Npa.Enforcer.Rules;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using static Npa.Tests.Shared.Builders.PodPolicies;

namespace Npa.Enforcer.Tests.Rules;

/// <summary>
/// Rule ids are garbage-collected by a two-phase mark and sweep, are never handed out twice, and the
/// registry never outgrows the map it persists to.
/// </summary>
public sealed class RuleIdRegistryTests
{
    private static RuleRef Rule(string policy, int index = 0, string peer = "10.1.0.0/16") =>
        new("default", policy, Direction.Ingress, index, peer);

    [Fact]
    public void UnreferencedId_SurvivesOneSweep_AndGoesAtTheNext()
    {
        RuleIdRegistry ids = RuleIdRegistry.InMemory();
        uint old = ids.GetOrAdd(Rule("old"));
        uint kept = ids.GetOrAdd(Rule("kept"));
        ids.Sweep([old, kept]);

        // The policy naming "old" is gone.
        RuleIdSweep first = ids.Sweep([kept]);
        Assert.Equal(0, first.Removed);
        Assert.Equal(1, first.Unreferenced);
        Assert.True(ids.TryGetRule(old, out RuleRef named), "an id unreferenced for less than a sweep period is still named");
        Assert.Equal(Rule("old"), named);

        RuleIdSweep second = ids.Sweep([kept]);
        Assert.Equal(1, second.Removed);
        Assert.False(ids.TryGetRule(old, out _));
        Assert.True(ids.TryGetRule(kept, out _));
        Assert.Equal(1, ids.Count);
    }

    [Fact]
    public void ReferencedId_IsNeverRemoved()
    {
        RuleIdRegistry ids = RuleIdRegistry.InMemory();
        uint id = ids.GetOrAdd(Rule("web"));
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(0, ids.Sweep([id]).Removed);
        }

        Assert.True(ids.TryGetRule(id, out RuleRef named));
        Assert.Equal(Rule("web"), named);
        Assert.Equal(id, ids.GetOrAdd(Rule("web")));
    }

    [Fact]
    public void IdHandedOutAgainAfterBeingMarked_IsKept()
    {
        RuleIdRegistry ids = RuleIdRegistry.InMemory();
        uint id = ids.GetOrAdd(Rule("web"));
        ids.Sweep([]);
        // A policy naming the rule again is being applied: the id is handed out again before the pod records it.
        Assert.Equal(id, ids.GetOrAdd(Rule("web")));

        Assert.Equal(0, ids.Sweep([]).Removed);
        Assert.True(ids.TryGetRule(id, out _));
    }

    [Fact]
    public void IdsAllocatedSinceTheLastSweep_CountAsReferenced()
    {
        RuleIdRegistry ids = RuleIdRegistry.InMemory();
        ids.Sweep([]);
        uint fresh = ids.GetOrAdd(Rule("applying"));

        RuleIdSweep sweep = ids.Sweep([]);
        Assert.Equal(0, sweep.Unreferenced);
        Assert.True(ids.TryGetRule(fresh, out _));
    }

    [Fact]
    public void RemovedRule_AddedAgain_GetsANewLargerId_AndTheOldIdNamesNothing()
    {
        RuleIdRegistry ids = RuleIdRegistry.InMemory();
        uint before = ids.GetOrAdd(Rule("churn"));
        ids.Sweep([before]);
        ids.Sweep([]);
        ids.Sweep([]);

        uint after = ids.GetOrAdd(Rule("churn"));
        Assert.True(after > before, $"id {after} handed out after {before} was removed");
        Assert.False(ids.TryGetRule(before, out _));
        Assert.True(ids.NextId > after);
    }

    [Fact]
    public void FullRegistryOfLiveIds_FailsNamingTheMapItsCapacityAndTheLiveIds()
    {
        RuleIdRegistry ids = RuleIdRegistry.InMemory(mapEntries: 8);
        HashSet<uint> live = new();
        ids.AttachReferences(() => live);
        for (int i = 0; i < ids.Capacity; i++)
        {
            live.Add(ids.GetOrAdd(Rule("big", i)));
        }

        BpfException e = Assert.Throws<BpfException>(() => ids.GetOrAdd(Rule("big", ids.Capacity)));
        Assert.Contains("npa_rule_names_v1", e.Message);
        Assert.Contains($"holds {ids.Capacity} rule ids", e.Message);
        Assert.Contains($"{ids.Capacity} of them are live", e.Message);
        Assert.Contains("default/big", e.Message);
    }

    [Fact]
    public void NearlyFullRegistry_SweepsOnDemand_BeforeAllocating()
    {
        RuleIdRegistry ids = RuleIdRegistry.InMemory(mapEntries: 21);
        List<RuleIdSweep> onDemand = new();
        ids.AttachReferences(() => new HashSet<uint>(), onDemand.Add);
        for (int i = 0; i < 200; i++)
        {
            ids.GetOrAdd(Rule("ci", i));
            Assert.True(ids.Count <= ids.Capacity);
        }

        Assert.NotEmpty(onDemand);
        Assert.All(onDemand, s => Assert.True(s.OnDemand));
        Assert.Equal(200, onDemand.Sum(s => s.Removed) + ids.Count);
    }

    [Fact]
    public void WithoutAWayToLearnReferences_AFullRegistryFails_InsteadOfGuessing()
    {
        RuleIdRegistry ids = RuleIdRegistry.InMemory(mapEntries: 4);
        for (int i = 0; i < ids.Capacity; i++)
        {
            ids.GetOrAdd(Rule("p", i));
        }

        Assert.Throws<BpfException>(() => ids.GetOrAdd(Rule("p", ids.Capacity)));
        Assert.Equal(ids.Capacity, ids.Count);
    }

    [Fact]
    public void Churn_200000DistinctPolicies_KeepsTheRegistryBounded_AndNeverFailsAnApply()
    {
        const int Policies = 200_000;
        RuleIdRegistry ids = RuleIdRegistry.InMemory(mapEntries: 256);
        PodStates node = new(ids);
        PodPolicy stable = Ingress(Allow("10.200.0.0/16", Tcp(8080), 0, "stable"));
        LpmPodState stableState = node.Apply("stable", stable);
        Dictionary<LpmPortKey, uint> stableIds = new(stableState.Ports);

        uint highest = stableIds.Values.Max();
        int maxHeld = 0;
        for (int i = 0; i < Policies; i++)
        {
            string pod = $"pod-{i % 4}";
            if (i % 97 == 0)
            {
                node.Remove(pod);
            }

            string name = $"ci-{i}";
            LpmPodState state = node.Apply(pod, Churn(i));

            uint before = highest;
            uint lowest = uint.MaxValue;
            foreach (uint id in state.Ports.Values)
            {
                Assert.True(ids.TryGetRule(id, out RuleRef rule), $"live rule id {id} of {name} is not named");
                Assert.Equal(name, rule.PolicyName);
                lowest = Math.Min(lowest, id);
                highest = Math.Max(highest, id);
            }

            // Every rule of policy i is new: its ids lie above every id handed out before (never reused).
            Assert.True(lowest > before, $"policy {name} got id {lowest}, not above the ids handed out before");
            maxHeld = Math.Max(maxHeld, ids.Count);
            if (i % 5000 == 4999)
            {
                node.Sweep();
            }
        }

        Assert.True(maxHeld <= ids.Capacity, $"held {maxHeld} ids, capacity {ids.Capacity}");
        Assert.True(node.OnDemandSweeps > 0);
        Assert.Equal((3u * Policies) + 2, ids.NextId); // one id per distinct rule, plus the stable one: none handed out twice
        Assert.True(ids.RemovedTotal >= (3L * Policies) - ids.Capacity);
        foreach ((LpmPortKey key, uint id) in stableIds)
        {
            Assert.True(ids.TryGetRule(id, out RuleRef rule));
            Assert.Equal("stable", rule.PolicyName);
        }

        Assert.Equal(stableState, node.Apply("stable", stable));
    }

    /// <summary>
    /// What the enforcer does with the registry: compiles each pod's policy through it, keeps the result
    /// as the pod's state, and reports the rule ids of every port entry (and of the apply in progress)
    /// as referenced.
    /// </summary>
    private sealed class PodStates
    {
        private readonly RuleIdRegistry _ids;
        private readonly Dictionary<string, LpmPodState> _states = new();
        private readonly HashSet<uint> _applying = new();

        public PodStates(RuleIdRegistry ids)
        {
            _ids = ids;
            ids.AttachReferences(Referenced, _ => OnDemandSweeps++);
        }

        public int OnDemandSweeps { get; private set; }

        public LpmPodState Apply(string pod, PodPolicy policy)
        {
            try
            {
                LpmPodState state = LpmCompiler.Compile(policy, rule =>
                {
                    uint id = _ids.GetOrAdd(rule);
                    _applying.Add(id);
                    return id;
                });
                _states[pod] = state;
                return state;
            }
            finally
            {
                _applying.Clear();
            }
        }

        public void Remove(string pod) => _states.Remove(pod);

        public RuleIdSweep Sweep() => _ids.Sweep(Referenced());

        private HashSet<uint> Referenced()
        {
            HashSet<uint> ids = new(_applying);
            foreach (LpmPodState state in _states.Values)
            {
                ids.UnionWith(state.Ports.Values);
            }

            return ids;
        }
    }
}
