using System.Net;
using System.Net.Sockets;
using Npa.Resolver.Model;
using Npa.Tests.Shared;
using static Npa.Tests.Shared.Builders.PodPolicies;

namespace Npa.Enforcer.Tests.Kernel;

/// <summary>Real sockets through a pod veth whose host end lives in a separate node namespace.</summary>
public sealed class VethEnforcementTests : IDisposable
{
    private readonly NetnsTopology _net = new();
    private readonly TestRoot _root = new("veth");
    private readonly PodKey _pod = new("default", "web", "uid-web");

    public void Dispose()
    {
        _root.Dispose();
        _net.Dispose();
    }

    [KernelFact]
    public async Task AllowedConnectSucceeds_DeniedTimesOut()
    {
        using Socket listener = _net.Listen(8080);
        using Socket other = _net.Listen(9090);
        _root.Enforcer.EnsurePod(_pod, _net.PodAttachment, EnforcingMode.Standard);
        _root.Enforcer.Apply(_pod, Ingress(Allow("10.77.2.2/32", Tcp(8080))));

        using Socket allowed = _net.ClientSocket(NetnsTopology.ClientIp);
        Assert.True(await _net.Connects(allowed, 8080).WaitAsync(TestTimeouts.Default));
        using Socket wrongPort = _net.ClientSocket(NetnsTopology.ClientIp);
        Assert.False(await _net.TryConnect(wrongPort, 9090).WaitAsync(TestTimeouts.Default));
        using Socket wrongPeer = _net.ClientSocket(NetnsTopology.Client2Ip);
        Assert.False(await _net.TryConnect(wrongPeer, 8080).WaitAsync(TestTimeouts.Default));
    }

    [KernelFact]
    public async Task StrictPod_DeniesUntilProgrammed_StandardPod_Allows()
    {
        using Socket listener = _net.Listen(8080);
        _root.Enforcer.EnsurePod(_pod, _net.PodAttachment, EnforcingMode.Strict);
        using Socket early = _net.ClientSocket(NetnsTopology.ClientIp);
        Assert.False(await _net.TryConnect(early, 8080).WaitAsync(TestTimeouts.Default), "strict: denied before policies are programmed");

        _root.Enforcer.Apply(_pod, Open); // the pod has no policy: default allow
        using Socket later = _net.ClientSocket(NetnsTopology.ClientIp);
        Assert.True(await _net.Connects(later, 8080).WaitAsync(TestTimeouts.Default));

        PodKey other = new("default", "web", "uid-standard");
        _root.Enforcer.RemovePod(_pod);
        _root.Enforcer.EnsurePod(other, _net.PodAttachment, EnforcingMode.Standard);
        using Socket standard = _net.ClientSocket(NetnsTopology.Client2Ip);
        Assert.True(await _net.Connects(standard, 8080).WaitAsync(TestTimeouts.Default), "standard: allowed before policies are programmed");
    }

    [KernelFact]
    public async Task ReplyOfPodsOwnConnection_PassesIsolatedIngress()
    {
        using Socket server = NetnsThread_Listen();
        _root.Enforcer.EnsurePod(_pod, _net.PodAttachment, EnforcingMode.Standard);
        _root.Enforcer.Apply(_pod, Both([], [Allow("10.77.2.2/32", Tcp(7070))]));
        Socket client = Npa.Enforcer.Attach.NetnsThread.Run($"/run/netns/{_net.Pod}", () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using (client)
        {
            // A dropped SYN-ACK is never let through by a retransmit, so a generous bound only spares a loaded machine.
            using CancellationTokenSource cts = new(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(new IPEndPoint(NetnsTopology.ClientIp, 7070), cts.Token).AsTask().WaitAsync(TestTimeouts.Default);
            Assert.True(client.Connected, "egress allowed and the SYN-ACK passed the isolated ingress");
        }
    }

    private Socket NetnsThread_Listen() => Npa.Enforcer.Attach.NetnsThread.Run($"/run/netns/{_net.Client}", () =>
    {
        Socket s = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Any, 7070));
        s.Listen(4);
        return s;
    });

    [KernelFact]
    public async Task Ipv6_AllowedConnectSucceeds_DeniedTimesOut()
    {
        using Socket listener = _net.Listen(8080);
        _root.Enforcer.EnsurePod(_pod, _net.PodAttachment, EnforcingMode.Strict);
        _root.Enforcer.Apply(_pod, Ingress(Allow("fd77:2::2/128", Tcp(8080))));

        using Socket allowed = _net.ClientSocket(NetnsTopology.ClientIp6);
        Assert.True(await _net.Connects(allowed, 8080).WaitAsync(TestTimeouts.Default), "allowed peer (neighbour discovery passes too)");
        using Socket denied = _net.ClientSocket(NetnsTopology.Client2Ip6);
        Assert.False(await _net.TryConnect(denied, 8080).WaitAsync(TestTimeouts.Default));
    }

    [KernelFact]
    public async Task TwoPodsOnOneNode_AreJudgedIndependently()
    {
        using Socket listener = _net.Listen(8080);
        PodKey client = new("default", "client", "uid-client");
        _root.Enforcer.EnsurePod(_pod, _net.PodAttachment, EnforcingMode.Strict);
        _root.Enforcer.EnsurePod(client, new PodAttachment(_net.ClientVeth, _net.NodeNetns), EnforcingMode.Strict);
        _root.Enforcer.Apply(client, Egress(Allow("10.77.1.0/24", Tcp(8080))));
        _root.Enforcer.Apply(_pod, Ingress(Allow("10.77.2.3/32", Tcp(8080))));

        // The client's egress allows the flow (and records it); the server's ingress must still refuse it.
        using Socket fromClient = _net.ClientSocket(NetnsTopology.ClientIp);
        Assert.False(await _net.TryConnect(fromClient, 8080).WaitAsync(TestTimeouts.Default));
        using Socket fromClient2 = _net.ClientSocket(NetnsTopology.Client2Ip);
        Assert.True(await _net.Connects(fromClient2, 8080).WaitAsync(TestTimeouts.Default));
        Assert.Contains(_root.Enforcer.Conntrack(), c => c.Direction == Direction.Egress && c.PodId == _root.Enforcer.GetPod(client)!.PodId);
    }

    [KernelFact]
    public async Task RevokedRule_CutsOpenConnection()
    {
        using Socket listener = _net.Listen(8080);
        _root.Enforcer.EnsurePod(_pod, _net.PodAttachment, EnforcingMode.Standard);
        _root.Enforcer.Apply(_pod, Ingress(Allow("10.77.2.0/24", Tcp(8080))));
        using Socket client = _net.ClientSocket(NetnsTopology.ClientIp);
        Assert.True(await _net.Connects(client, 8080).WaitAsync(TestTimeouts.Default));
        using Socket server = await listener.AcceptAsync().WaitAsync(TestTimeouts.Default);
        Assert.True(await Echoes(client, server, TestTimeouts.Short), "data flows while the rule stands (replies pass)");

        _root.Enforcer.Apply(_pod, Ingress(Allow("10.99.0.0/16", Tcp(8080))));
        Assert.False(await Echoes(client, server, TimeSpan.FromSeconds(1)), "data stops once the rule is revoked");
    }

    [KernelFact]
    public async Task RestartAdoptsPins_AndKeepsVerdicts()
    {
        using Socket listener = _net.Listen(8080);
        _root.Enforcer.EnsurePod(_pod, _net.PodAttachment, EnforcingMode.Strict);
        _root.Enforcer.Apply(_pod, Ingress(Allow("10.77.2.2/32", Tcp(8080))));
        using Socket client = _net.ClientSocket(NetnsTopology.ClientIp);
        Assert.True(await _net.Connects(client, 8080).WaitAsync(TestTimeouts.Default));
        using Socket server = await listener.AcceptAsync().WaitAsync(TestTimeouts.Default);

        NodeEnforcer reopened = _root.Reopen(); // the process's fds are gone, as after kill -9
        Assert.True(reopened.Adopted);
        Assert.Contains(reopened.Pods(), p => p.Pod == _pod && p.IngressMode == Maps.PodDirectionMode.Enforce);
        Assert.True(await Echoes(client, server, TestTimeouts.Short), "the open connection survives the restart");
        using Socket denied = _net.ClientSocket(NetnsTopology.Client2Ip);
        Assert.False(await _net.TryConnect(denied, 8080).WaitAsync(TestTimeouts.Default));

        // Re-applying the same policy after the restart writes nothing.
        reopened.EnsurePod(_pod, _net.PodAttachment, EnforcingMode.Strict);
        Assert.False(reopened.Apply(_pod, Ingress(Allow("10.77.2.2/32", Tcp(8080)))).Changed);
    }

    [KernelFact]
    public async Task RemovedPod_LeavesNoPinEntryOrAttachment()
    {
        using Socket listener = _net.Listen(8080);
        _root.Enforcer.EnsurePod(_pod, _net.PodAttachment, EnforcingMode.Strict);
        _root.Enforcer.Apply(_pod, Ingress(Allow("10.77.2.2/32", Tcp(8080))));
        using Socket client = _net.ClientSocket(NetnsTopology.ClientIp);
        Assert.True(await _net.Connects(client, 8080).WaitAsync(TestTimeouts.Default));

        Assert.True(_root.Enforcer.RemovePod(_pod));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root.Path, "links")));
        Assert.Empty(_root.Enforcer.Pods());
        Assert.Empty(_root.Enforcer.Conntrack());
        Assert.Equal(0, _root.Enforcer.Reconcile().OrphanEntriesRemoved);
        using Socket any = _net.ClientSocket(NetnsTopology.Client2Ip);
        Assert.True(await _net.Connects(any, 8080).WaitAsync(TestTimeouts.Default), "no program judges the veth any more");
    }

    private static async Task<bool> Echoes(Socket client, Socket server, TimeSpan wait)
    {
        byte[] ping = [1, 2, 3];
        await client.SendAsync(ping).WaitAsync(TestTimeouts.Default);
        byte[] buf = new byte[16];
        using CancellationTokenSource cts = new(wait);
        try
        {
            int n = await server.ReceiveAsync(buf, SocketFlags.None, cts.Token);
            return n > 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
