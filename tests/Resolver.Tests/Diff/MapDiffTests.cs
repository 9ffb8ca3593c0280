using Npa.Resolver.Diff;
using Npa.Resolver.MapState;
using Npa.Tests.Shared.Oracle;
using static Npa.Tests.Shared.Builders.PodPolicies;

namespace Npa.Resolver.Tests.Diff;

public sealed class MapDiffTests
{
    [Fact]
    public void Diff_SeparatesAddsUpdatesAndDeletes()
    {
        Dictionary<int, string> desired = new() { [1] = "a", [2] = "B", [4] = "d" };
        Dictionary<int, string> programmed = new() { [1] = "a", [2] = "b", [3] = "c" };
        ChangeSet<int, string> changes = MapDiff.Compute(desired, programmed);
        Assert.Equal([4], changes.Adds.Select(a => a.Key));
        Assert.Equal([2], changes.Updates.Select(a => a.Key));
        Assert.Equal([3], changes.Deletes);
    }

    [Fact]
    public void Diff_OfEqualContents_IsEmpty()
    {
        Dictionary<int, string> same = new() { [1] = "a" };
        Assert.True(MapDiff.Compute(same, new Dictionary<int, string>(same)).IsEmpty);
    }

    [Fact]
    public void ApplyingTheDiff_LeavesNothingToDiff()
    {
        Random random = new(3);
        for (int round = 0; round < 200; round++)
        {
            Dictionary<int, int> desired = RandomMap(random);
            Dictionary<int, int> programmed = RandomMap(random);
            ChangeSet<int, int> changes = MapDiff.Compute(desired, programmed);
            Dictionary<int, int> after = changes.ApplyTo(programmed);
            Assert.True(MapDiff.Compute(desired, after).IsEmpty);
            Assert.Equal(changes.Count, CountDifferences(desired, programmed));
        }
    }

    [Fact]
    public void PodChanges_AppliedToProgrammed_ReachDesired()
    {
        Random random = new(5);
        for (int round = 0; round < 30; round++)
        {
            AllowRule[] a = Enumerable.Range(0, random.Next(1, 15)).Select(i => RandomRules.Rule(random, i, false)).ToArray();
            AllowRule[] b = Enumerable.Range(0, random.Next(1, 15)).Select(i => RandomRules.Rule(random, i + 20, false)).ToArray();
            Dictionary<RuleRef, uint> ids = new();
            uint Id(RuleRef r) => ids.TryGetValue(r, out uint v) ? v : ids[r] = (uint)ids.Count + 1;
            LpmPodState programmed = LpmCompiler.Compile(Ingress(a), Id);
            LpmPodState desired = LpmCompiler.Compile(Both(b, a), Id);
            PodMapChanges changes = PodMapChanges.Compute(desired, programmed);
            LpmPodState after = changes.ApplyTo(programmed, desired);
            Assert.Equal(desired, after);
            Assert.True(PodMapChanges.Compute(desired, after).IsEmpty);
        }
    }

    private static Dictionary<int, int> RandomMap(Random random) =>
        Enumerable.Range(0, random.Next(30)).Select(_ => (K: random.Next(40), V: random.Next(3)))
            .DistinctBy(p => p.K).ToDictionary(p => p.K, p => p.V);

    private static int CountDifferences(Dictionary<int, int> desired, Dictionary<int, int> programmed) =>
        desired.Count(d => !programmed.TryGetValue(d.Key, out int v) || v != d.Value) +
        programmed.Keys.Count(k => !desired.ContainsKey(k));
}
