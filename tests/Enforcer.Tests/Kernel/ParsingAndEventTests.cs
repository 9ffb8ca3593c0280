using System.Buffers.Binary;
using System.Net;
using Npa.Enforcer.Maps;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using static Npa.Tests.Shared.Builders.PodPolicies;

namespace Npa.Enforcer.Tests.Kernel;

/// <summary>Header parsing corner cases and the verdict events of the pod programs.</summary>
public sealed class ParsingAndEventTests : IDisposable
{
    private static readonly IPAddress Pod4 = IPAddress.Parse("10.0.0.10");
    private static readonly IPAddress Pod6 = IPAddress.Parse("fd00::10");
    private static readonly IPAddress Peer4 = IPAddress.Parse("10.1.0.1");
    private static readonly IPAddress Peer6 = IPAddress.Parse("fd00:1::1");
    private readonly TestRoot _root = new("p");
    private readonly PodKey _pod = new("default", "pod", "uid-1");

    public ParsingAndEventTests()
    {
        E.RegisterUnattached(_pod, TestRun.TestIfIndex, EnforcingMode.Standard);
        E.Apply(_pod, Ingress(Allow("10.1.0.0/16", Tcp(80)), Allow("fd00:1::/64", Tcp(80), 1)));
    }

    private NodeEnforcer E => _root.Enforcer;

    public void Dispose() => _root.Dispose();

    private bool In(byte[] frame) => TestRun.Passes(E, Direction.Ingress, frame);

    [KernelFact]
    public void Ipv4Options_AreSkippedThroughIhl()
    {
        byte[] options = [1, 1, 1, 1, 1, 1, 1, 0]; // NOPs and end of list: 8 bytes, ihl 7
        Assert.True(In(Packets.Build(Peer4, Pod4, Protocol.Tcp, 30000, 80, ipv4Options: options)));
        Assert.False(In(Packets.Build(Peer4, Pod4, Protocol.Tcp, 30001, 81, ipv4Options: options)));
    }

    [KernelFact]
    public void Ipv6ExtensionHeaders_AreWalkedToTheTransportHeader()
    {
        byte[] tcp = Packets.L4(Protocol.Tcp, 30002, 80);
        byte[] tcpDenied = Packets.L4(Protocol.Tcp, 30003, 81);
        Assert.True(In(Packets.Ipv6(Peer6, Pod6, 0, [.. HopByHop(60), .. DestOptions(6), .. tcp])));
        Assert.False(In(Packets.Ipv6(Peer6, Pod6, 0, [.. HopByHop(60), .. DestOptions(6), .. tcpDenied])));
    }

    [KernelFact]
    public void Fragments_TakeThePortsOfTheFirstFragment()
    {
        byte[] tcp = Packets.L4(Protocol.Tcp, 30004, 80);
        // First fragment (MF set), then a later fragment (offset 8 bytes) that carries no ports.
        Assert.True(In(Packets.Ipv4(Peer4, Pod4, 6, tcp, [], fragment: 0x2000, ipId: 77)));
        Assert.True(In(Packets.Ipv4(Peer4, Pod4, 6, new byte[16], [], fragment: 0x0003, ipId: 77)));
        // A later fragment whose first fragment was never seen: ports unknown, denied.
        Assert.False(In(Packets.Ipv4(Peer4, Pod4, 6, new byte[16], [], fragment: 0x0003, ipId: 78)));
        Assert.True(E.ReadStats().FragmentUnknown >= 1);
    }

    [KernelFact]
    public void Ipv6Fragments_TakeThePortsOfTheFirstFragment()
    {
        byte[] tcp = Packets.L4(Protocol.Tcp, 30005, 80);
        Assert.True(In(Packets.Ipv6(Peer6, Pod6, 44, [.. Fragment6(6, 0, more: true, id: 5), .. tcp])));
        Assert.True(In(Packets.Ipv6(Peer6, Pod6, 44, [.. Fragment6(6, 3, more: false, id: 5), .. new byte[16]])));
        Assert.False(In(Packets.Ipv6(Peer6, Pod6, 44, [.. Fragment6(6, 3, more: false, id: 6), .. new byte[16]])));
    }

    [KernelFact]
    public void IcmpError_QuotingAnAllowedFlow_Passes_OthersAreJudgedByRules()
    {
        // A peer opens 10.1.0.1:31000 -> pod:80 (allowed).
        Assert.True(In(Packets.Build(Peer4, Pod4, Protocol.Tcp, 31000, 80)));
        // A router (10.9.9.9, no rule) reports "fragmentation needed" for the pod's reply 10.0.0.10:80 -> 10.1.0.1:31000.
        byte[] quoted = Packets.Ipv4(Pod4, Peer4, 6, Packets.L4(Protocol.Tcp, 80, 31000), [])[14..];
        byte[] icmp = [3, 4, 0, 0, 0, 0, 0x05, 0xdc, .. quoted[..28]];
        Assert.True(In(Packets.Ipv4(IPAddress.Parse("10.9.9.9"), Pod4, 1, icmp, [])));
        byte[] unrelated = Packets.Ipv4(Pod4, Peer4, 6, Packets.L4(Protocol.Tcp, 80, 31999), [])[14..];
        Assert.False(In(Packets.Ipv4(IPAddress.Parse("10.9.9.9"), Pod4, 1, [3, 4, 0, 0, 0, 0, 0x05, 0xdc, .. unrelated[..28]], [])));
    }

    [KernelFact]
    public void Icmpv6PacketTooBig_QuotingAnAllowedFlow_Passes()
    {
        Assert.True(In(Packets.Build(Peer6, Pod6, Protocol.Tcp, 31500, 80)));
        byte[] quoted = Packets.Ipv6(Pod6, Peer6, 6, Packets.L4(Protocol.Tcp, 80, 31500))[14..];
        byte[] router = IPAddress.Parse("fd00:9::9").GetAddressBytes();
        Assert.True(In(Packets.Ipv6(new IPAddress(router), Pod6, 58, [2, 0, 0, 0, 0, 0, 0x05, 0x00, .. quoted[..48]])));
        byte[] unrelated = Packets.Ipv6(Pod6, Peer6, 6, Packets.L4(Protocol.Tcp, 80, 31501))[14..];
        Assert.False(In(Packets.Ipv6(new IPAddress(router), Pod6, 58, [2, 0, 0, 0, 0, 0, 0x05, 0x00, .. unrelated[..48]])));
    }

    [KernelFact]
    public void MalformedIpHeader_IsDeniedOnlyWhereTheDirectionIsIsolated()
    {
        byte[] inbound = Packets.Build(Peer4, Pod4, Protocol.Tcp, 34000, 80);
        inbound[14] = 0x43; // ihl 3: shorter than an IPv4 header
        Assert.False(In(inbound));
        byte[] outbound = Packets.Build(Pod4, Peer4, Protocol.Tcp, 34001, 80);
        outbound[14] = 0x43;
        Assert.True(TestRun.Passes(E, Direction.Egress, outbound), "egress is not isolated");
    }

    [KernelFact]
    public void NeighbourDiscovery_AlwaysPasses()
    {
        Assert.True(In(Packets.Build(IPAddress.Parse("fe80::1"), Pod6, Protocol.IcmpV6, 0, 0, icmpType: 135)));
    }

    [KernelFact]
    public void NewFlowsAndDenials_AreReportedWithRuleIds_ContinuationsAreNot()
    {
        using EventDrain drain = new(E);
        drain.Drain();
        Assert.True(In(Packets.Build(Peer4, Pod4, Protocol.Tcp, 32000, 80)));
        Assert.True(In(Packets.Build(Peer4, Pod4, Protocol.Tcp, 32000, 80)));
        Assert.False(In(Packets.Build(Peer4, Pod4, Protocol.Tcp, 32001, 81)));
        Assert.False(In(Packets.Build(Peer4, Pod4, Protocol.Tcp, 32001, 81)));
        List<NpaFlowEvent> events = drain.Drain();

        Assert.Equal(3, events.Count);
        NpaFlowEvent allow = events[0];
        Assert.Equal(1, allow.Verdict);
        Assert.Equal(1, allow.Direction);
        Assert.Equal(4, allow.Family);
        Assert.Equal(6, allow.Protocol);
        Assert.Equal(32000, allow.SrcPort);
        Assert.Equal(80, allow.DstPort);
        Assert.Equal(1u, allow.Reason);
        Assert.True(E.RuleIds.TryGetRule(allow.RuleId, out RuleRef rule));
        Assert.Equal("10.1.0.0/16", rule.Peer);
        Assert.All(events.Skip(1), e => Assert.Equal(2, e.Verdict));
        Assert.All(events.Skip(1), e => Assert.Equal(0u, e.RuleId));
        EnforcerStats stats = E.ReadStats();
        Assert.True(stats.IngressDeny >= 2 && stats.ConntrackHits >= 1);
    }

    [KernelFact]
    public void RuleIds_SurviveARestart()
    {
        RuleRef rule = new("default", "p", Direction.Ingress, 0, "10.1.0.0/16");
        uint id = E.RuleIds.GetOrAdd(rule);
        NodeEnforcer reopened = _root.Reopen();
        Assert.True(reopened.RuleIds.TryGetRule(id, out RuleRef again));
        Assert.Equal(rule, again);
        Assert.Equal(id, reopened.RuleIds.GetOrAdd(rule));
    }

    [KernelFact]
    public void AnotherProcess_NamesRulesAddedLater_ThroughThePinnedRegistry()
    {
        using Npa.Enforcer.Rules.RuleIdRegistry reader = Npa.Enforcer.Rules.RuleIdRegistry.OpenPinned(_root.Path);
        RuleRef rule = new("shop", "late", Direction.Egress, 3, "10.5.0.0/16");
        uint id = E.RuleIds.GetOrAdd(rule);
        Assert.True(reader.TryGetRule(id, out RuleRef named));
        Assert.Equal(rule, named);
        Assert.False(reader.TryGetRule(id + 1000, out _));
    }

    [KernelFact]
    public void Reconcile_RepairsEntriesChangedBehindItsBack()
    {
        LpmPodState before = E.ReadProgrammed(_pod)!;
        // Drift: someone deletes every peer entry of the pod.
        foreach (LpmPeerKey key in before.Peers.Keys.Where(k => !k.Prefix.IsIPv6))
        {
            using var map = new BpfMap<NpaLpm4Key, uint>(PinnedState.PinnedObjects.Get(Path.Combine(_root.Path, "maps", PinnedState.MapNames.IngressLpm4)), "ing4");
            map.Delete(KeyCodec.Peer4(E.GetPod(_pod)!.PodId, key.Prefix));
        }

        Assert.False(In(Packets.Build(Peer4, Pod4, Protocol.Tcp, 33000, 80)));
        DriftReport report = E.Reconcile();
        Assert.Equal(1, report.PodsRepaired);
        Assert.Equal(before, E.ReadProgrammed(_pod));
        Assert.True(In(Packets.Build(Peer4, Pod4, Protocol.Tcp, 33001, 80)));
    }

    [KernelFact]
    public async Task PeriodicLoop_RepairsDrift_OnEachTick()
    {
        Microsoft.Extensions.Time.Testing.FakeTimeProvider time = new();
        using CancellationTokenSource stop = new();
        Task loop = E.RunPeriodicAsync(TimeSpan.FromMinutes(1), null, time, null, stop.Token);
        LpmPodState expected = E.ReadProgrammed(_pod)!;
        uint podId = E.GetPod(_pod)!.PodId;
        using (var map = new BpfMap<NpaPortKey, uint>(PinnedState.PinnedObjects.Get(Path.Combine(_root.Path, "maps", PinnedState.MapNames.IngressPorts)), "ports"))
        {
            foreach (LpmPortKey key in expected.Ports.Keys)
            {
                map.Delete(KeyCodec.Port(podId, key));
            }
        }

        Assert.NotEqual(expected, E.ReadProgrammed(_pod));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(SpinWait.SpinUntil(() => expected.Equals(E.ReadProgrammed(_pod)), TestTimeoutsMs), "repaired after one tick");
        await stop.CancelAsync();
        await loop.WaitAsync(Npa.Tests.Shared.TestTimeouts.Default);
    }

    private static int TestTimeoutsMs => (int)Npa.Tests.Shared.TestTimeouts.Short.TotalMilliseconds;

    private static byte[] HopByHop(byte next) => [next, 0, 1, 4, 0, 0, 0, 0];

    private static byte[] DestOptions(byte next) => [next, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private static byte[] Fragment6(byte next, ushort offsetUnits, bool more, uint id)
    {
        byte[] h = new byte[8];
        h[0] = next;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)((offsetUnits << 3) | (more ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), id);
        return h;
    }
}
