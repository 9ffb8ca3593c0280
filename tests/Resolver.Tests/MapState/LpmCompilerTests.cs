using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Tests.Shared.Oracle;
using static Npa.Tests.Shared.Builders.PodPolicies;

namespace Npa.Resolver.Tests.MapState;

public sealed class LpmCompilerTests
{
    private static LpmPodState Compile(PodPolicy policy) => LpmCompiler.Compile(policy, Ids(policy));

    private static Func<RuleRef, uint> Ids(PodPolicy policy)
    {
        Dictionary<RuleRef, uint> ids = new();
        foreach (AllowRule r in policy.Ingress.Rules.Concat(policy.Egress.Rules))
        {
            ids.TryAdd(r.Source, (uint)ids.Count + 1);
        }

        return r => ids[r];
    }

    private static bool Oracle(DirectionPolicy policy, IPAddress peer, Protocol protocol, int port) =>
        !policy.Isolated || policy.Rules.Any(r =>
            r.Cidr.Contains(peer) && !r.Except.Any(e => e.Contains(peer)) && r.Ports.Allows(protocol, port));

    [Fact]
    public void ExceptHole_OfOneRule_KeepsTheOtherRulesCoveringIt()
    {
        PodPolicy policy = Ingress(
            Allow("10.0.0.0/8", Tcp(80), 0, "a", "10.1.0.0/16"),
            Allow("10.1.0.0/24", Tcp(443), 1, "b"));
        LpmPodState state = Compile(policy);

        Assert.NotEqual(0u, LpmLookup.Find(state, Direction.Ingress, IPAddress.Parse("10.2.0.1"), 6, 80));
        Assert.Equal(0u, LpmLookup.Find(state, Direction.Ingress, IPAddress.Parse("10.1.5.1"), 6, 80));
        Assert.Equal(0u, LpmLookup.Find(state, Direction.Ingress, IPAddress.Parse("10.1.0.1"), 6, 80));
        Assert.NotEqual(0u, LpmLookup.Find(state, Direction.Ingress, IPAddress.Parse("10.1.0.1"), 6, 443));
        Assert.Contains(state.Peers, p => p.Key.Prefix == IpPrefix.Parse("10.1.0.0/16") && p.Value == 0);
    }

    [Fact]
    public void MoreSpecificPrefix_CarriesTheUnionOfCoveringRules()
    {
        LpmPodState state = Compile(Ingress(
            Allow("10.1.2.0/24", Tcp(9090), 0),
            Allow("10.1.2.2/32", Tcp(8080), 1)));
        Assert.NotEqual(0u, LpmLookup.Find(state, Direction.Ingress, IPAddress.Parse("10.1.2.2"), 6, 9090));
        Assert.NotEqual(0u, LpmLookup.Find(state, Direction.Ingress, IPAddress.Parse("10.1.2.2"), 6, 8080));
        Assert.Equal(0u, LpmLookup.Find(state, Direction.Ingress, IPAddress.Parse("10.1.2.3"), 6, 8080));
    }

    [Fact]
    public void RuleIds_NameTheRuleThatAllows()
    {
        PodPolicy policy = Ingress(Allow("10.1.0.0/16", Tcp(80), 0, "a"), Allow("10.2.0.0/16", Tcp(80), 0, "b"));
        LpmPodState state = Compile(policy);
        Assert.Equal(1u, LpmLookup.Find(state, Direction.Ingress, IPAddress.Parse("10.1.0.1"), 6, 80));
        Assert.Equal(2u, LpmLookup.Find(state, Direction.Ingress, IPAddress.Parse("10.2.0.1"), 6, 80));
    }

    [Fact]
    public void NotIsolatedDirections_HaveNoEntries()
    {
        LpmPodState state = Compile(Open);
        Assert.Empty(state.Peers);
        Assert.Empty(state.Ports);
        Assert.False(state.IngressIsolated);
    }

    [Fact]
    public void SameRulesInAnyOrder_CompileToTheSameEntries()
    {
        Random random = new(7);
        AllowRule[] rules = Enumerable.Range(0, 30).Select(i => RandomRules.Rule(random, i, v6: false)).ToArray();
        LpmPodState first = Compile(Ingress(rules));
        Func<RuleRef, uint> ids = Ids(Ingress(rules));
        for (int round = 0; round < 5; round++)
        {
            AllowRule[] shuffled = rules.OrderBy(_ => random.Next()).ToArray();
            LpmPodState again = LpmCompiler.Compile(Ingress(shuffled), ids);
            Assert.Equal(first, again);
            Assert.Equal(first.Peers.Keys, again.Peers.Keys);
        }
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    [InlineData(5, true)]
    public void CompiledLookup_AgreesWithBruteForceOracle(int seed, bool v6)
    {
        Random random = new(seed);
        int allowed = 0, denied = 0;
        for (int policyRound = 0; policyRound < 20; policyRound++)
        {
            AllowRule[] rules = Enumerable.Range(0, random.Next(1, 25)).Select(i => RandomRules.Rule(random, i, v6)).ToArray();
            PodPolicy policy = Both(rules, rules.Take(rules.Length / 2).ToArray());
            LpmPodState state = Compile(policy);
            for (int probe = 0; probe < 400; probe++)
            {
                IPAddress peer = RandomRules.Peer(random, v6);
                Protocol protocol = new[] { Protocol.Tcp, Protocol.Udp, Protocol.Sctp, v6 ? Protocol.IcmpV6 : Protocol.Icmp }[random.Next(4)];
                int port = protocol is Protocol.Icmp or Protocol.IcmpV6 ? 0 : RandomRules.Port(random);
                foreach (Direction direction in new[] { Direction.Ingress, Direction.Egress })
                {
                    bool expected = Oracle(policy[direction], peer, protocol, port);
                    bool actual = LpmLookup.Allows(state, direction, peer, (byte)protocol, port);
                    _ = expected ? allowed++ : denied++;
                    Assert.True(expected == actual,
                        $"{direction} {peer} {protocol}/{port}: oracle {expected}, compiled {actual}; rules: {string.Join("; ", policy[direction].Rules.Select(r => $"{r.Cidr} except [{string.Join(",", r.Except)}] {r.Ports}"))}");
                }
            }
        }

        Assert.True(allowed > 100 && denied > 100, $"probes should hit both verdicts: {allowed} allowed, {denied} denied");
    }

    [Fact]
    public void PortBlocks_CoverExactlyTheRange()
    {
        Random random = new(11);
        for (int i = 0; i < 300; i++)
        {
            int a = random.Next(65536), b = random.Next(65536);
            (int first, int last) = (Math.Min(a, b), Math.Max(a, b));
            var blocks = LpmPortBlocks.Cover(first, last).ToList();
            Assert.True(blocks.Count <= 30, $"{first}-{last}: {blocks.Count} blocks");
            long covered = 0;
            int next = first;
            foreach ((ushort port, byte bits) in blocks)
            {
                Assert.Equal(next, port);
                int size = 1 << (16 - bits);
                Assert.Equal(0, port % size);
                covered += size;
                next = port + size;
            }

            Assert.Equal(last - first + 1, covered);
        }
    }
}
