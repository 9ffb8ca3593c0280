using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Tests.Shared.Oracle;
using static Npa.Tests.Shared.Builders.PodPolicies;

namespace Npa.Enforcer.Tests.Kernel;

/// <summary>The kernel's verdicts on random packets equal the brute-force reading of random policies.</summary>
public sealed class KernelOracleTests : IDisposable
{
    private readonly TestRoot _root = new("o");

    public void Dispose() => _root.Dispose();

    [KernelTheory]
    [InlineData(21, false)]
    [InlineData(22, true)]
    public void KernelVerdicts_AgreeWithOracle(int seed, bool v6)
    {
        Random random = new(seed);
        PodKey pod = new("default", "oracle", "uid");
        NodeEnforcer e = _root.Enforcer;
        e.RegisterUnattached(pod, TestRun.TestIfIndex, EnforcingMode.Strict);
        IPAddress self = IPAddress.Parse(v6 ? "fd00::10" : "10.0.0.10");
        int srcPort = 1024;
        for (int round = 0; round < 4; round++)
        {
            AllowRule[] rules = Enumerable.Range(0, random.Next(1, 20)).Select(i => RandomRules.Rule(random, i, v6)).ToArray();
            PodPolicy policy = Ingress(rules);
            e.Apply(pod, policy); // also revokes every conntrack entry the new rules do not allow
            for (int probe = 0; probe < 150; probe++)
            {
                IPAddress peer = RandomRules.Peer(random, v6);
                Protocol protocol = new[] { Protocol.Tcp, Protocol.Udp, Protocol.Sctp }[random.Next(3)];
                int port = random.Next(8) == 0 ? random.Next(65536) : 80 + random.Next(8);
                bool expected = policy.Ingress.Rules.Any(r => r.Cidr.Contains(peer) && !r.Except.Any(x => x.Contains(peer)) && r.Ports.Allows(protocol, port));
                bool actual = TestRun.Passes(e, Direction.Ingress, Packets.Build(peer, self, protocol, srcPort++, port));
                Assert.True(expected == actual, $"{peer} {protocol}/{port}: oracle {expected}, kernel {actual}");
            }
        }
    }
}
