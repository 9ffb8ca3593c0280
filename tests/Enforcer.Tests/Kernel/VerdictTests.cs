using System.Net;
using Npa.Enforcer.Maps;
using Npa.Enforcer.Native;
using Npa.Enforcer.PinnedState;
using Npa.Enforcer.Tests.Kernel;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using static Npa.Tests.Shared.Builders.PodPolicies;

namespace Npa.Enforcer.Tests.Kernel;

/// <summary>Verdicts of the pod programs on crafted packets (BPF_PROG_TEST_RUN, no network).</summary>
public sealed class VerdictTests : IDisposable
{
    private static readonly IPAddress Pod4 = IPAddress.Parse("10.0.0.10");
    private static readonly IPAddress Pod6 = IPAddress.Parse("fd00::10");
    private readonly TestRoot _root = new("v");
    private readonly PodKey _pod = new("default", "pod", "uid-1");

    private NodeEnforcer E => _root.Enforcer;

    public void Dispose() => _root.Dispose();

    private void Start(EnforcingMode mode = EnforcingMode.Standard) => E.RegisterUnattached(_pod, TestRun.TestIfIndex, mode);

    private bool In(string peer, Protocol protocol, int port, int srcPort = 40000) =>
        TestRun.Passes(E, Direction.Ingress, Packets.Build(IPAddress.Parse(peer), Pod(peer), protocol, srcPort, port));

    private bool Out(string peer, Protocol protocol, int port, int srcPort = 40000) =>
        TestRun.Passes(E, Direction.Egress, Packets.Build(Pod(peer), IPAddress.Parse(peer), protocol, srcPort, port));

    private static IPAddress Pod(string peer) => peer.Contains(':') ? Pod6 : Pod4;

    [KernelFact]
    public void PodWithoutPolicy_AllowsEverything()
    {
        Start();
        E.Apply(_pod, Open);
        Assert.True(In("192.168.1.1", Protocol.Tcp, 80));
        Assert.True(Out("192.168.1.1", Protocol.Udp, 53));
    }

    [KernelFact]
    public void IsolatedIngress_AllowsOnlyListedPeerAndPort()
    {
        Start();
        E.Apply(_pod, Ingress(Allow("10.1.0.0/16", Tcp(8080))));
        Assert.True(In("10.1.2.3", Protocol.Tcp, 8080, 40001));
        Assert.False(In("10.1.2.3", Protocol.Tcp, 9090, 40002));
        Assert.False(In("10.2.2.3", Protocol.Tcp, 8080, 40003));
        Assert.False(In("10.1.2.3", Protocol.Udp, 8080, 40004));
        Assert.True(Out("8.8.8.8", Protocol.Udp, 53), "egress is not isolated");
    }

    [KernelFact]
    public void Udp_And_Sctp_Ports_AreEnforced()
    {
        Start();
        E.Apply(_pod, Ingress(
            Allow("10.1.0.0/16", Udp(53)),
            Allow("10.1.0.0/16", L4Match.Single(Protocol.Sctp, 3868), 1)));
        Assert.True(In("10.1.0.1", Protocol.Udp, 53, 41000));
        Assert.False(In("10.1.0.1", Protocol.Udp, 54, 41001));
        Assert.True(In("10.1.0.1", Protocol.Sctp, 3868, 41002));
        Assert.False(In("10.1.0.1", Protocol.Sctp, 3869, 41003));
    }

    [KernelFact]
    public void Ipv6_PeersAndPorts_AreEnforced()
    {
        Start();
        E.Apply(_pod, Ingress(Allow("fd00:1::/64", Tcp(443))));
        Assert.True(In("fd00:1::5", Protocol.Tcp, 443, 42000));
        Assert.False(In("fd00:2::5", Protocol.Tcp, 443, 42001));
        Assert.False(In("fd00:1::5", Protocol.Tcp, 444, 42002));
    }

    [KernelFact]
    public void RuleWithoutPorts_AllowsIcmpAndAnyProtocol()
    {
        Start();
        E.Apply(_pod, Ingress(Allow("10.1.0.0/16", L4Match.Any), Allow("fd00:1::/64", L4Match.Any, 1)));
        Assert.True(In("10.1.0.1", Protocol.Icmp, 0, 7));
        Assert.True(TestRun.Passes(E, Direction.Ingress, Packets.Build(IPAddress.Parse("fd00:1::1"), Pod6, Protocol.IcmpV6, 7, 0, icmpType: 128)));
        Assert.False(TestRun.Passes(E, Direction.Ingress, Packets.Build(IPAddress.Parse("fd00:9::1"), Pod6, Protocol.IcmpV6, 7, 0, icmpType: 128)));
        Assert.True(In("10.1.0.1", Protocol.Udp, 12345, 43000));
        Assert.False(In("10.9.0.1", Protocol.Icmp, 0, 8));
    }

    [KernelFact]
    public void ExceptHole_IsDenied_UnlessAnotherRuleCoversIt()
    {
        Start();
        E.Apply(_pod, Ingress(
            Allow("10.0.0.0/8", Tcp(80), 0, "p", "10.1.0.0/16"),
            Allow("10.1.2.0/24", Tcp(80), 1, "q")));
        Assert.True(In("10.2.0.1", Protocol.Tcp, 80, 44000));
        Assert.False(In("10.1.9.1", Protocol.Tcp, 80, 44001));
        Assert.True(In("10.1.2.7", Protocol.Tcp, 80, 44002));
    }

    [KernelFact]
    public void MoreSpecificPrefix_KeepsThePortsOfTheCoveringPrefix()
    {
        Start();
        E.Apply(_pod, Ingress(
            Allow("10.1.2.0/24", Tcp(8080)),
            Allow("10.1.2.0/24", Tcp(9090), 1),
            Allow("10.1.2.2/32", Tcp(8080), 2)));
        Assert.True(In("10.1.2.2", Protocol.Tcp, 9090, 45000));
        Assert.True(In("10.1.2.2", Protocol.Tcp, 8080, 45001));
        Assert.True(In("10.1.2.3", Protocol.Tcp, 9090, 45002));
        Assert.False(In("10.1.2.2", Protocol.Tcp, 7070, 45003));
    }

    [KernelFact]
    public void HundredPortsOnOneCidr_AreAllAllowed()
    {
        Start();
        AllowRule[] rules = Enumerable.Range(0, 100).Select(i => Allow("10.1.0.0/16", Tcp(1000 + (i * 7)), i)).ToArray();
        E.Apply(_pod, Ingress(rules));
        for (int i = 0; i < 100; i++)
        {
            Assert.True(In("10.1.0.1", Protocol.Tcp, 1000 + (i * 7), 46000 + i), $"port {1000 + (i * 7)}");
        }

        Assert.False(In("10.1.0.1", Protocol.Tcp, 1001, 46500));
    }

    [KernelFact]
    public void EndPortRange_IncludesBothBounds_AndNothingOutside()
    {
        Start();
        E.Apply(_pod, Ingress(Allow("10.1.0.0/16", new L4Match(Protocol.Tcp, 1000, 2047))));
        Assert.True(In("10.1.0.1", Protocol.Tcp, 1000, 47000));
        Assert.True(In("10.1.0.1", Protocol.Tcp, 2047, 47001));
        Assert.True(In("10.1.0.1", Protocol.Tcp, 1500, 47002));
        Assert.False(In("10.1.0.1", Protocol.Tcp, 999, 47003));
        Assert.False(In("10.1.0.1", Protocol.Tcp, 2048, 47004));
    }

    [KernelFact]
    public void StrictStart_DeniesUntilPoliciesAreProgrammed()
    {
        Start(EnforcingMode.Strict);
        Assert.False(In("10.1.0.1", Protocol.Tcp, 80, 48000));
        Assert.False(Out("10.1.0.1", Protocol.Tcp, 80, 48001));
        E.Apply(_pod, Ingress(Allow("10.1.0.0/16", Tcp(80))));
        Assert.True(In("10.1.0.1", Protocol.Tcp, 80, 48002));
        Assert.True(Out("10.1.0.1", Protocol.Tcp, 80, 48003), "egress not isolated once programmed");
    }

    [KernelFact]
    public void Reconcile_KeepsAStrictStartPodClosed_AndRestoresItsStateEntry()
    {
        Start(EnforcingMode.Strict);
        E.Reconcile();
        Assert.False(In("10.1.0.1", Protocol.Tcp, 80, 48100));

        E.Apply(_pod, Ingress(Allow("10.1.0.0/16", Tcp(80))));
        using (var pods = new Maps.BpfMap<uint, Maps.NpaPodState>(PinnedState.PinnedObjects.Get(Path.Combine(_root.Path, "maps", PinnedState.MapNames.Pods)), "pods"))
        {
            pods.Delete(TestRun.TestIfIndex); // drift: the veth is no longer judged at all
        }

        Assert.True(In("10.9.0.1", Protocol.Tcp, 80, 48101));
        Assert.Equal(1, E.Reconcile().PodsRepaired);
        Assert.False(In("10.9.0.1", Protocol.Tcp, 80, 48102));
    }

    [KernelFact]
    public void ApplyAll_RevokesFlowsOfEveryChangedPod()
    {
        Start();
        E.Apply(_pod, Both([Allow("10.1.0.0/16", Tcp(80))], [Allow("10.2.0.0/16", Tcp(443))]));
        Assert.True(In("10.1.0.1", Protocol.Tcp, 80, 54000));
        Assert.True(Out("10.2.0.1", Protocol.Tcp, 443, 54001));
        PodKey other = new("default", "other", "uid-9");
        E.RegisterUnattached(other, 88, EnforcingMode.Standard);

        IReadOnlyDictionary<PodKey, ApplyResult> results = E.ApplyAll(
        [
            new(_pod, Both([Allow("10.1.0.0/16", Tcp(80))], [])),
            new(other, Ingress(Allow("10.3.0.0/16", Tcp(80)))),
        ]);

        Assert.Equal(1, results[_pod].ConntrackDeleted);
        Assert.Equal(0, results[other].ConntrackDeleted);
        Assert.True(In("10.1.0.1", Protocol.Tcp, 80, 54000));
        Assert.False(Out("10.2.0.1", Protocol.Tcp, 443, 54001));
    }

    [KernelFact]
    public void StandardStart_AllowsUntilPoliciesAreProgrammed()
    {
        Start(EnforcingMode.Standard);
        Assert.True(In("10.1.0.1", Protocol.Tcp, 80, 49000));
        E.Apply(_pod, Ingress(Allow("10.9.0.0/16", Tcp(80))));
        Assert.False(In("10.1.0.1", Protocol.Tcp, 80, 49001));
    }

    [KernelFact]
    public void ReplyOfAllowedEgressFlow_PassesIsolatedIngress()
    {
        Start();
        E.Apply(_pod, Both([], [Allow("10.1.0.0/16", Tcp(5432))]));
        Assert.True(Out("10.1.0.7", Protocol.Tcp, 5432, 50000));
        // The reply: from 10.1.0.7:5432 to the pod's port 50000; ingress allows nothing.
        Assert.True(TestRun.Passes(E, Direction.Ingress, Packets.Build(IPAddress.Parse("10.1.0.7"), Pod4, Protocol.Tcp, 5432, 50000)));
        Assert.False(TestRun.Passes(E, Direction.Ingress, Packets.Build(IPAddress.Parse("10.1.0.7"), Pod4, Protocol.Tcp, 5432, 50001)));
    }

    [KernelFact]
    public void RevokedRule_CutsEstablishedFlow()
    {
        Start();
        E.Apply(_pod, Ingress(Allow("10.1.0.0/16", Tcp(80)), Allow("10.2.0.0/16", Tcp(80), 1)));
        Assert.True(In("10.1.0.1", Protocol.Tcp, 80, 51000));
        Assert.True(In("10.2.0.1", Protocol.Tcp, 80, 51001));
        ApplyResult result = E.Apply(_pod, Ingress(Allow("10.2.0.0/16", Tcp(80), 1)));
        Assert.Equal(1, result.ConntrackDeleted);
        Assert.False(In("10.1.0.1", Protocol.Tcp, 80, 51000));
        Assert.True(In("10.2.0.1", Protocol.Tcp, 80, 51001));
    }

    [KernelFact]
    public void ApplyFailingPartWay_Retried_CutsTheFlowsItDrops_AndWritesTheModes()
    {
        Start();
        E.Apply(_pod, Ingress(Allow("10.1.0.0/16", Tcp(80)), Allow("10.2.0.0/16", Tcp(80), 1)));
        Assert.True(In("10.1.0.1", Protocol.Tcp, 80, 53000));
        PodPolicy narrowed = Both([Allow("10.2.0.0/16", Tcp(80), 1)], []);

        // The pod's state entry cannot be written: it is gone and the pod map is full of other entries.
        using BpfMap<uint, NpaPodState> states = new(PinnedObjects.Get(Path.Combine(_root.Path, "maps", MapNames.Pods)), MapNames.Pods);
        Assert.True(states.Delete(TestRun.TestIfIndex));
        uint filler = 1_000_000;
        for (long held = states.Keys().Count; held < states.MaxEntries(); held++, filler++)
        {
            states.Update(filler, default);
        }

        Assert.Throws<BpfException>(() => E.Apply(_pod, narrowed));
        Assert.True(states.Delete(filler - 1));
        E.Apply(_pod, narrowed);

        Assert.True(states.TryLookup(TestRun.TestIfIndex, out NpaPodState state), "the retry writes the pod's state entry");
        Assert.Equal((PodDirectionMode.Enforce, PodDirectionMode.Enforce), (state.IngressMode, state.EgressMode));
        Assert.False(In("10.1.0.1", Protocol.Tcp, 80, 53000), "the established flow the narrowed policy drops is cut");
        Assert.True(In("10.2.0.1", Protocol.Tcp, 80, 53001));
        Assert.False(Out("8.8.8.8", Protocol.Udp, 53), "egress is isolated");
    }

    [KernelFact]
    public void IdleConntrackEntries_Expire()
    {
        Start();
        E.Apply(_pod, Ingress(Allow("10.1.0.0/16", Tcp(80))));
        Assert.True(In("10.1.0.1", Protocol.Tcp, 80, 52000));
        Assert.Equal(0, E.ExpireConntrack(TimeSpan.FromMinutes(5)));
        Assert.Single(E.Conntrack());
        Assert.Equal(1, E.ExpireConntrack(TimeSpan.Zero));
        Assert.Empty(E.Conntrack());
    }

    [KernelFact]
    public void PodsGoneWhileDown_ArePruned_AndDeniedBytesAreCounted()
    {
        Start();
        PodKey gone = new("default", "gone", "uid-2");
        E.RegisterUnattached(gone, 77, EnforcingMode.Strict);
        E.Apply(gone, Ingress(Allow("10.1.0.0/16", Tcp(80))));
        Assert.Equal([gone], E.RemovePodsExcept(new HashSet<PodKey> { _pod }));
        Assert.Single(E.Pods());
        Assert.Equal(0, E.Reconcile().OrphanEntriesRemoved);

        E.Apply(_pod, Ingress(Allow("10.1.0.0/16", Tcp(80))));
        ulong before = E.ReadStats().IngressDenyBytes;
        Assert.False(In("10.9.0.1", Protocol.Tcp, 80, 53000));
        Assert.True(E.ReadStats().IngressDenyBytes >= before + 54);
    }
}
