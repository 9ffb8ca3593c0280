using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using static Npa.Enforcer.Tests.Policies;

namespace Npa.Enforcer.Tests.MapState;

public sealed class LpmCompilerTests
{
    private static readonly string[] Bases = ["10.0.0.0", "10.1.0.0", "10.1.2.0", "192.168.0.0", "10.1.2.128"];
    private static readonly string[] Bases6 = ["fd00::", "fd00:0:0:1::", "fd00:0:0:1:8000::"];

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
        AllowRule[] rules = Enumerable.Range(0, 30).Select(i => RandomRule(random, i, v6: false)).ToArray();
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
            AllowRule[] rules = Enumerable.Range(0, random.Next(1, 25)).Select(i => RandomRule(random, i, v6)).ToArray();
            PodPolicy policy = Both(rules, rules.Take(rules.Length / 2).ToArray());
            LpmPodState state = Compile(policy);
            for (int probe = 0; probe < 400; probe++)
            {
                IPAddress peer = RandomAddress(random, v6);
                Protocol protocol = new[] { Protocol.Tcp, Protocol.Udp, Protocol.Sctp, v6 ? Protocol.IcmpV6 : Protocol.Icmp }[random.Next(4)];
                int port = protocol is Protocol.Icmp or Protocol.IcmpV6 ? 0 : RandomPort(random);
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

    internal static AllowRule RandomRule(Random random, int index, bool v6)
    {
        IpPrefix cidr = RandomPrefix(random, v6);
        List<string> excepts = new();
        for (int e = random.Next(3); e > 0; e--)
        {
            int len = Math.Min(cidr.MaxLength, cidr.Length + random.Next(1, 10));
            IPAddress inside = RandomAddressIn(random, cidr);
            excepts.Add(new IpPrefix(inside, len).ToString());
        }

        L4Match ports = random.Next(6) switch
        {
            0 => L4Match.Any,
            1 => L4Match.AllPorts(Protocol.Tcp),
            2 => new L4Match(Protocol.Udp, RandomPort(random) / 2, 32768 + (RandomPort(random) / 2)),
            3 => L4Match.Single(Protocol.Sctp, RandomPort(random)),
            _ => L4Match.Single(random.Next(2) == 0 ? Protocol.Tcp : Protocol.Udp, RandomPort(random)),
        };
        return Allow(cidr.ToString(), ports, index, $"p{index % 3}", excepts.ToArray());
    }

    private static int RandomPort(Random random) => random.Next(8) == 0 ? random.Next(65536) : 80 + random.Next(8);

    private static IpPrefix RandomPrefix(Random random, bool v6)
    {
        IPAddress b = IPAddress.Parse(v6 ? Bases6[random.Next(Bases6.Length)] : Bases[random.Next(Bases.Length)]);
        int len = v6 ? random.Next(40, 129) : random.Next(8, 33);
        return new IpPrefix(RandomAddressNear(random, b, v6), len);
    }

    internal static IPAddress RandomPeer(Random random, bool v6) => RandomAddress(random, v6);

    private static IPAddress RandomAddress(Random random, bool v6)
    {
        IPAddress b = IPAddress.Parse(v6 ? Bases6[random.Next(Bases6.Length)] : Bases[random.Next(Bases.Length)]);
        return RandomAddressNear(random, b, v6);
    }

    private static IPAddress RandomAddressNear(Random random, IPAddress b, bool v6)
    {
        byte[] bytes = b.GetAddressBytes();
        int vary = v6 ? 10 : 2; // vary the low bytes only, so prefixes overlap a lot
        for (int i = bytes.Length - vary; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(random.Next(4) == 0 ? random.Next(256) : random.Next(4));
        }

        return new IPAddress(bytes);
    }

    private static IPAddress RandomAddressIn(Random random, IpPrefix prefix)
    {
        byte[] bytes = prefix.Address.GetAddressBytes();
        for (int bit = prefix.Length; bit < bytes.Length * 8; bit++)
        {
            if (random.Next(2) == 1)
            {
                bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
            }
        }

        return new IPAddress(bytes);
    }
}
