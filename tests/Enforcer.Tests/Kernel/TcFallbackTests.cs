using System.Net.Sockets;
using Npa.Enforcer.Attach;
using Npa.Tests.Shared;
using static Npa.Tests.Shared.Builders.PodPolicies;

namespace Npa.Enforcer.Tests.Kernel;

/// <summary>The tc clsact attachment (the fallback where tcx is refused) enforces the same way.</summary>
public sealed class TcFallbackTests : IDisposable
{
    private readonly NetnsTopology _net = new();
    private readonly TestRoot _root = new("tc", preferTc: true);
    private readonly PodKey _pod = new("default", "web", "uid-tc");

    public void Dispose()
    {
        _root.Dispose();
        _net.Dispose();
    }

    [KernelFact]
    public async Task TcClsact_Enforces_AndRemovalDetaches()
    {
        using Socket listener = _net.Listen(8080);
        PodStatus status = _root.Enforcer.EnsurePod(_pod, _net.PodAttachment, EnforcingMode.Strict);
        Assert.Equal(AttachKind.TcClsact, status.Attach);
        _root.Enforcer.Apply(_pod, Ingress(Allow("10.77.2.2/32", Tcp(8080))));
        using Socket allowed = _net.ClientSocket(NetnsTopology.ClientIp);
        Assert.True(await _net.Connects(allowed, 8080).WaitAsync(TestTimeouts.Default));
        using Socket denied = _net.ClientSocket(NetnsTopology.Client2Ip);
        Assert.False(await _net.TryConnect(denied, 8080).WaitAsync(TestTimeouts.Default));

        _root.Enforcer.RemovePod(_pod);
        using Socket after = _net.ClientSocket(NetnsTopology.Client2Ip);
        Assert.True(await _net.Connects(after, 8080).WaitAsync(TestTimeouts.Default), "clsact removed with the pod");
    }
}
