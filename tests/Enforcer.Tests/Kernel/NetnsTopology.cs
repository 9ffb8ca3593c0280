using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npa.Enforcer.Attach;

namespace Npa.Enforcer.Tests.Kernel;

/// <summary>
/// Three namespaces made for one test, the way a node wires pods: a "node" namespace routes between a
/// pod (10.77.1.2, host veth hvP) and a client (10.77.2.2, host veth hvC) and holds both host veths.
/// Names are unique per instance; dispose deletes the namespaces (and with them veths and links).
/// </summary>
internal sealed class NetnsTopology : IDisposable
{
    public static readonly IPAddress PodIp = IPAddress.Parse("10.77.1.2");
    public static readonly IPAddress ClientIp = IPAddress.Parse("10.77.2.2");
    public static readonly IPAddress Client2Ip = IPAddress.Parse("10.77.2.3");
    public static readonly IPAddress PodIp6 = IPAddress.Parse("fd77:1::2");
    public static readonly IPAddress ClientIp6 = IPAddress.Parse("fd77:2::2");
    public static readonly IPAddress Client2Ip6 = IPAddress.Parse("fd77:2::3");

    public NetnsTopology()
    {
        string id = Guid.NewGuid().ToString("N")[..6];
        Node = $"npaenf-node-{id}";
        Pod = $"npaenf-pod-{id}";
        Client = $"npaenf-cli-{id}";
        PodVeth = $"npaP{id}";
        ClientVeth = $"npaC{id}";
        try
        {
            foreach (string ns in new[] { Node, Pod, Client })
            {
                Sh($"ip netns add {ns}");
                // No duplicate address detection: link-local and global addresses are usable at once.
                Sh($"ip netns exec {ns} sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0");
            }

            Sh($"ip -n {Node} link add {PodVeth} type veth peer name eth0 netns {Pod}");
            Sh($"ip -n {Node} link add {ClientVeth} type veth peer name eth0 netns {Client}");
            Sh($"ip -n {Node} addr add 10.77.1.1/24 dev {PodVeth}");
            Sh($"ip -n {Node} addr add 10.77.2.1/24 dev {ClientVeth}");
            Sh($"ip -n {Node} link set {PodVeth} up");
            Sh($"ip -n {Node} link set {ClientVeth} up");
            Sh($"ip -n {Node} link set lo up");
            Sh($"ip netns exec {Node} sysctl -qw net.ipv4.ip_forward=1");
            Sh($"ip -n {Pod} addr add 10.77.1.2/24 dev eth0");
            Sh($"ip -n {Pod} link set eth0 up");
            Sh($"ip -n {Pod} link set lo up");
            Sh($"ip -n {Pod} route add default via 10.77.1.1");
            Sh($"ip -n {Client} addr add 10.77.2.2/24 dev eth0");
            Sh($"ip -n {Client} addr add 10.77.2.3/24 dev eth0");
            Sh($"ip -n {Client} link set eth0 up");
            Sh($"ip -n {Client} link set lo up");
            Sh($"ip -n {Client} route add default via 10.77.2.1");
            Sh($"ip netns exec {Node} sysctl -qw net.ipv6.conf.all.forwarding=1");
            Sh($"ip -n {Node} addr add fd77:1::1/64 dev {PodVeth} nodad");
            Sh($"ip -n {Node} addr add fd77:2::1/64 dev {ClientVeth} nodad");
            Sh($"ip -n {Pod} addr add fd77:1::2/64 dev eth0 nodad");
            Sh($"ip -n {Pod} -6 route add default via fd77:1::1");
            Sh($"ip -n {Client} addr add fd77:2::2/64 dev eth0 nodad");
            Sh($"ip -n {Client} addr add fd77:2::3/64 dev eth0 nodad");
            Sh($"ip -n {Client} -6 route add default via fd77:2::1");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Node { get; }

    public string Pod { get; }

    public string Client { get; }

    public string PodVeth { get; }

    public string ClientVeth { get; }

    public string NodeNetns => $"/run/netns/{Node}";

    public PodAttachment PodAttachment => new(PodVeth, NodeNetns);

    /// <summary>A listening TCP socket inside the pod namespace.</summary>
    public Socket Listen(int port) => NetnsThread.Run($"/run/netns/{Pod}", () =>
    {
        Socket s = new(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        s.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
        s.Listen(16);
        return s;
    });

    /// <summary>A TCP client socket in the client namespace, bound to one of its addresses.</summary>
    public Socket ClientSocket(IPAddress from) => NetnsThread.Run($"/run/netns/{Client}", () =>
    {
        Socket s = new(from.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(from, 0));
        return s;
    });

    /// <summary>Connects with a 1 s budget (a denied SYN gets no answer); true when the handshake completed.</summary>
    public Task<bool> TryConnect(Socket socket, int port) => TryConnect(socket, port, TimeSpan.FromSeconds(1));

    /// <summary>Connects with a generous budget, for connects that must succeed even on a loaded machine.</summary>
    public Task<bool> Connects(Socket socket, int port) => TryConnect(socket, port, TimeSpan.FromSeconds(5));

    private async Task<bool> TryConnect(Socket socket, int port, TimeSpan budget)
    {
        using CancellationTokenSource cts = new(budget);
        try
        {
            IPAddress target = socket.AddressFamily == AddressFamily.InterNetworkV6 ? PodIp6 : PodIp;
            await socket.ConnectAsync(new IPEndPoint(target, port), cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (string ns in new[] { Client, Pod, Node })
        {
            Sh($"ip netns del {ns}", check: false);
        }
    }

    private static void Sh(string command, bool check = true)
    {
        ProcessStartInfo psi = new("/bin/sh", ["-c", command]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit(10_000);
        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{command}' failed ({p.ExitCode}): {err}");
        }
    }
}
