using Npa.Enforcer.Maps;
using Npa.Enforcer.Native;
using Npa.Enforcer.PinnedState;
using Npa.Resolver.MapState;
using static Npa.Tests.Shared.Builders.PodPolicies;
using RuleIdRegistry = Npa.Enforcer.Rules.RuleIdRegistry;
using RuleIdSweep = Npa.Enforcer.Rules.RuleIdSweep;

namespace Npa.Enforcer.Tests.Kernel;

/// <summary>
/// Rule ids in the pinned map npa_rule_names_v1: unused ones are swept, the map never fills up under
/// policy churn, and no id is handed out twice, not even across a reopen of the pins.
/// </summary>
public sealed class RuleIdSweepTests
{
    private static readonly PodKey Pod = new("default", "pod", "uid-1");

    private static uint[] RuleIdsOf(NodeEnforcer e, PodKey pod) => e.GetPod(pod)!.Programmed.Ports.Values.Distinct().ToArray();

    private static List<uint> PinnedKeys(TestRoot root)
    {
        using BpfMap<uint, NpaRuleName> map = new(PinnedObjects.Get(Path.Combine(root.Path, "maps", MapNames.RuleNames)), MapNames.RuleNames);
        return map.Keys();
    }

    /// <summary>A fresh reader of the pins (another process's view): names only what the map holds now.</summary>
    private static bool PinnedNames(TestRoot root, uint id)
    {
        using RuleIdRegistry reader = RuleIdRegistry.OpenPinned(root.Path);
        return reader.TryGetRule(id, out _);
    }

    [KernelFact]
    public void Churn_ThroughApplyAndRemove_KeepsThePinnedMapBounded_AndAppliesNeverFail()
    {
        const int Policies = 20_000;
        using TestRoot root = new("r", ruleNameEntries: 256);
        NodeEnforcer e = root.Enforcer;
        Assert.Equal(255, e.RuleIds.Capacity);
        PodKey[] pods = [.. Enumerable.Range(0, 3).Select(i => new PodKey("ci", $"pod-{i}", $"uid-{i}"))];
        foreach ((PodKey pod, int i) in pods.Select((p, i) => (p, i)))
        {
            e.RegisterUnattached(pod, TestRun.TestIfIndex + 1000 + (uint)i, EnforcingMode.Standard);
        }

        uint highest = 0;
        int maxPinned = 0;
        for (int i = 0; i < Policies; i++)
        {
            PodKey pod = pods[i % pods.Length];
            if (i % 101 == 0)
            {
                e.RemovePod(pod);
                e.RegisterUnattached(pod, TestRun.TestIfIndex + 1000 + (uint)(i % pods.Length), EnforcingMode.Standard);
            }

            e.Apply(pod, Churn(i));
            uint before = highest;
            foreach (uint id in RuleIdsOf(e, pod))
            {
                Assert.True(e.RuleIds.TryGetRule(id, out RuleRef rule), $"live rule id {id} is not named");
                Assert.Equal($"ci-{i}", rule.PolicyName);
                Assert.True(id > before, $"policy ci-{i} got id {id}, not above the ids handed out before ({before})");
                highest = Math.Max(highest, id);
            }

            if (i % 1000 == 999)
            {
                maxPinned = Math.Max(maxPinned, PinnedKeys(root).Count);
            }
        }

        List<uint> keys = PinnedKeys(root);
        Assert.True(Math.Max(maxPinned, keys.Count) <= 256, $"the pinned map held {Math.Max(maxPinned, keys.Count)} entries, max_entries 256");
        Assert.Contains(RuleIdRegistry.HighWaterKey, keys);
        Assert.Equal((3u * Policies) + 1, e.RuleIds.NextId);
        foreach (PodKey pod in pods)
        {
            Assert.All(RuleIdsOf(e, pod), id => Assert.True(PinnedNames(root, id), $"rule id {id} of {pod} is not in the pinned map"));
        }
    }

    [KernelFact]
    public void UnreferencedIds_StayPinnedForOneSweep_AndGoAtTheNext()
    {
        using TestRoot root = new("r");
        NodeEnforcer e = root.Enforcer;
        e.RegisterUnattached(Pod, TestRun.TestIfIndex, EnforcingMode.Standard);
        e.Apply(Pod, Churn(1));
        uint[] old = RuleIdsOf(e, Pod);
        e.SweepRuleIds();

        e.Apply(Pod, Churn(2));
        uint[] current = RuleIdsOf(e, Pod);
        RuleIdSweep first = e.SweepRuleIds();
        Assert.Equal(0, first.Removed);
        Assert.Equal(old.Length, first.Unreferenced);
        Assert.All(old, id => Assert.True(PinnedNames(root, id), $"rule id {id} went before its grace sweep"));

        RuleIdSweep second = e.SweepRuleIds();
        Assert.Equal(old.Length, second.Removed);
        Assert.All(old, id => Assert.False(PinnedNames(root, id), $"rule id {id} is still pinned after two sweeps unreferenced"));
        Assert.All(current, id => Assert.True(PinnedNames(root, id)));
        Assert.All(current, id => Assert.True(e.RuleIds.TryGetRule(id, out _)));
    }

    [KernelFact]
    public async Task PeriodicLoop_SweepsRuleIdsNoPodUses()
    {
        using TestRoot root = new("r");
        NodeEnforcer e = root.Enforcer;
        e.RegisterUnattached(Pod, TestRun.TestIfIndex, EnforcingMode.Standard);
        e.Apply(Pod, Churn(1));
        uint[] old = RuleIdsOf(e, Pod);
        e.Apply(Pod, Churn(2));
        uint[] current = RuleIdsOf(e, Pod);
        Microsoft.Extensions.Time.Testing.FakeTimeProvider time = new();
        using CancellationTokenSource stop = new();
        Task loop = e.RunPeriodicAsync(TimeSpan.FromMinutes(1), null, time, null, stop.Token);

        bool OldNamed() => old.Any(id => e.RuleIds.TryGetRule(id, out _));
        for (int tick = 0; tick < 20 && OldNamed(); tick++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            SpinWait.SpinUntil(() => !OldNamed(), 250);
        }

        await stop.CancelAsync();
        await loop.WaitAsync(Npa.Tests.Shared.TestTimeouts.Default);
        Assert.False(OldNamed(), "rule ids of the replaced policy were not swept by the periodic loop");
        Assert.All(old, id => Assert.False(PinnedNames(root, id)));
        Assert.All(current, id => Assert.True(e.RuleIds.TryGetRule(id, out _)));
    }

    [KernelFact]
    public void RemovedIds_AreNotHandedOutAgain_AfterAReopenOfThePins()
    {
        using TestRoot root = new("r");
        NodeEnforcer e = root.Enforcer;
        e.RegisterUnattached(Pod, TestRun.TestIfIndex, EnforcingMode.Standard);
        e.Apply(Pod, Churn(1));
        uint highest = RuleIdsOf(e, Pod).Max();
        e.SweepRuleIds();
        e.RemovePod(Pod);
        e.SweepRuleIds();
        Assert.Equal(3, e.SweepRuleIds().Removed);
        Assert.Equal(new[] { RuleIdRegistry.HighWaterKey }, PinnedKeys(root));

        NodeEnforcer reopened = root.Reopen();
        Assert.True(reopened.RuleIds.NextId > highest, $"after the reopen the next id is {reopened.RuleIds.NextId}, ids up to {highest} were handed out");
        reopened.RegisterUnattached(Pod, TestRun.TestIfIndex, EnforcingMode.Standard);
        reopened.Apply(Pod, Churn(1));
        Assert.All(RuleIdsOf(reopened, Pod), id => Assert.True(id > highest, $"the same rules got id {id} again, at most {highest} was handed out before"));
    }

    [KernelFact]
    public void AdoptedProgrammedState_KeepsItsIdsLive_AfterARestart()
    {
        using TestRoot root = new("r");
        root.Enforcer.RegisterUnattached(Pod, TestRun.TestIfIndex, EnforcingMode.Standard);
        root.Enforcer.Apply(Pod, Churn(1));
        uint[] programmed = RuleIdsOf(root.Enforcer, Pod);
        uint unused = root.Enforcer.RuleIds.GetOrAdd(new RuleRef("gone", "p", Resolver.Model.Direction.Egress, 0, "10.9.0.0/16"));

        NodeEnforcer adopted = root.Reopen();
        Assert.All(programmed, id => Assert.True(adopted.RuleIds.TryGetRule(id, out _)));
        adopted.SweepRuleIds();
        adopted.SweepRuleIds();
        adopted.SweepRuleIds();

        Assert.All(programmed, id => Assert.True(adopted.RuleIds.TryGetRule(id, out _), $"rule id {id} of the adopted pod was swept"));
        Assert.All(programmed, id => Assert.True(PinnedNames(root, id)));
        Assert.False(adopted.RuleIds.TryGetRule(unused, out _));
        Assert.False(PinnedNames(root, unused));
    }

    [KernelFact]
    public void PolicyNamingMoreRulesThanTheMapHolds_FailsWithAClearError_AndLeavesThePodAsItWas()
    {
        using TestRoot root = new("r", ruleNameEntries: 8);
        NodeEnforcer e = root.Enforcer;
        e.RegisterUnattached(Pod, TestRun.TestIfIndex, EnforcingMode.Standard);
        e.Apply(Pod, Ingress(Allow("10.1.0.0/16", Tcp(80))));
        LpmPodState before = e.ReadProgrammed(Pod)!;
        PodPolicy tooMany = Ingress([.. Enumerable.Range(0, 8).Select(i => Allow($"10.{i}.0.0/16", Tcp(80 + i), i, "wide"))]);

        BpfException error = Assert.Throws<BpfException>(() => e.Apply(Pod, tooMany));
        Assert.Contains("map npa_rule_names_v1 is full", error.Message);
        Assert.Contains("holds 7 rule ids", error.Message);
        Assert.Equal(before, e.ReadProgrammed(Pod));

        // The ids the failed apply took are freed by the following sweeps; a policy that fits applies again.
        e.SweepRuleIds();
        e.SweepRuleIds();
        e.Apply(Pod, Ingress(Allow("10.2.0.0/16", Tcp(443), 0, "narrow")));
        Assert.True(e.RuleIds.TryGetRule(RuleIdsOf(e, Pod).Single(), out RuleRef rule));
        Assert.Equal("narrow", rule.PolicyName);
    }

    [KernelFact]
    public void BatchFailingOnAFullMap_StillCutsTheFlowsOfThePodsItAlreadyNarrowed()
    {
        using TestRoot root = new("r", ruleNameEntries: 8);
        NodeEnforcer e = root.Enforcer;
        PodKey other = new("default", "other", "uid-2");
        e.RegisterUnattached(Pod, TestRun.TestIfIndex, EnforcingMode.Standard);
        e.RegisterUnattached(other, TestRun.TestIfIndex + 1000, EnforcingMode.Standard);
        e.Apply(Pod, Ingress(Allow("10.1.0.0/16", Tcp(80)), Allow("10.2.0.0/16", Tcp(80), 1)));
        bool FromPeer(string peer, int srcPort) => TestRun.Passes(e, Resolver.Model.Direction.Ingress,
            Packets.Build(System.Net.IPAddress.Parse(peer), System.Net.IPAddress.Parse("10.0.0.10"), Resolver.Model.Protocol.Tcp, srcPort, 80));
        Assert.True(FromPeer("10.1.0.1", 51000), "the flow is established while its rule is programmed");

        // The batch narrows the first pod (its kept rule keeps its id), then runs out of rule ids on the second pod.
        PodPolicy narrowed = Ingress(Allow("10.2.0.0/16", Tcp(80), 1));
        PodPolicy tooMany = Ingress([.. Enumerable.Range(0, 8).Select(i => Allow($"10.{i}.0.0/16", Tcp(80 + i), i, "wide"))]);
        Assert.Throws<BpfException>(() => e.ApplyAll([new(Pod, narrowed), new(other, tooMany)]));

        Assert.False(FromPeer("10.1.0.1", 51000), "the narrowed pod's flow the batch no longer allows is cut, although a later pod failed");
    }

    [KernelFact]
    public void MapFilledToItsLastEntry_WithoutAHighWaterMark_IsSwept_AndItsIdsAreNotHandedOutAgain()
    {
        using TestRoot root = new("r", ruleNameEntries: 8);
        // Pins left by a build that kept no entry free for the high-water mark: all 8 entries are ids.
        for (int i = 0; i < 7; i++)
        {
            root.Enforcer.RuleIds.GetOrAdd(new RuleRef("old", "p", Resolver.Model.Direction.Ingress, i, "10.0.0.0/8"));
        }

        using (BpfMap<uint, NpaRuleName> map = new(PinnedObjects.Get(Path.Combine(root.Path, "maps", MapNames.RuleNames)), MapNames.RuleNames))
        {
            map.Update(8, default);
        }

        NodeEnforcer e = root.Reopen();
        Assert.Equal(8, e.RuleIds.Count);
        e.SweepRuleIds();
        RuleIdSweep second = e.SweepRuleIds();

        Assert.Equal(8, second.Removed);
        Assert.Equal([RuleIdRegistry.HighWaterKey], PinnedKeys(root));
        Assert.Equal(9u, root.Reopen().RuleIds.NextId);
        root.Enforcer.RegisterUnattached(Pod, TestRun.TestIfIndex, EnforcingMode.Standard);
        root.Enforcer.Apply(Pod, Ingress(Allow("10.1.0.0/16", Tcp(80))));
        Assert.True(RuleIdsOf(root.Enforcer, Pod).Single() > 8);
    }

    [KernelFact]
    public void LastIdPinned_ExhaustsTheIds_AndTheMarkKeepsThemExhaustedAfterItIsSwept()
    {
        using TestRoot root = new("r", ruleNameEntries: 8);
        RuleRef rule = new("default", "p", Resolver.Model.Direction.Ingress, 0, "10.0.0.0/8");
        uint id = root.Enforcer.RuleIds.GetOrAdd(rule);
        using (BpfMap<uint, NpaRuleName> map = new(PinnedObjects.Get(Path.Combine(root.Path, "maps", MapNames.RuleNames)), MapNames.RuleNames))
        {
            map.Update(RuleIdRegistry.MaxRuleId, default);
        }

        NodeEnforcer e = root.Reopen();
        Assert.Equal(RuleIdRegistry.HighWaterKey, e.RuleIds.NextId);
        Assert.Equal(id, e.RuleIds.GetOrAdd(rule));
        Assert.Contains("exhausted", Assert.Throws<BpfException>(() => e.RuleIds.GetOrAdd(rule with { RuleIndex = 1 })).Message);

        Assert.Equal(2, e.SweepRuleIds().Removed + e.SweepRuleIds().Removed + e.SweepRuleIds().Removed);
        Assert.Equal([RuleIdRegistry.HighWaterKey], PinnedKeys(root));
        Assert.Equal(RuleIdRegistry.HighWaterKey, root.Reopen().RuleIds.NextId);
        Assert.Contains("exhausted", Assert.Throws<BpfException>(() => root.Enforcer.RuleIds.GetOrAdd(rule)).Message);
    }

    [KernelFact]
    public void PinnedViews_OfAnotherProcess_CannotAllocateOrSweep_ButName()
    {
        using TestRoot root = new("r");
        using RuleIdRegistry reader = RuleIdRegistry.OpenPinned(root.Path);
        RuleRef rule = new("default", "p", Resolver.Model.Direction.Ingress, 0, "10.1.0.0/16");

        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => reader.GetOrAdd(rule));
        Assert.Contains("read-only", e.Message);
        Assert.Throws<InvalidOperationException>(() => reader.Sweep([]));
        Assert.False(reader.TryGetRule(RuleIdRegistry.HighWaterKey, out _));

        uint id = root.Enforcer.RuleIds.GetOrAdd(rule);
        using NodeEnforcer inspector = NodeEnforcer.OpenExisting(root.Path);
        Assert.Throws<InvalidOperationException>(() => inspector.RuleIds.GetOrAdd(rule with { RuleIndex = 1 }));
        Assert.True(inspector.RuleIds.TryGetRule(id, out RuleRef named));
        Assert.Equal(rule, named);
    }
}
