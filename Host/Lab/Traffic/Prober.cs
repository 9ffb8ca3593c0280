using System.Net;
using System.Net.Sockets;
using System.Text;
using Npa.Host.Lab.Kernel;
using Npa.Resolver.Model;
using Npa.Resolver.Verdicts;

namespace Npa.Host.Lab.Traffic;

/// <summary>
/// Makes real connections from inside a source pod's namespace: TCP connect (a refusal also proves the
/// packet reached the pod), UDP request/echo, SCTP raw INIT answered by INIT ACK.
/// </summary>
public static class Prober
{
    /// <summary>
    /// Probes <paramref name="to"/> on the port <paramref name="probe"/> stands for there: its number, or the
    /// port the destination declares under the probe's name (unsupported when it declares none).
    /// </summary>
    public static Task<ProbeOutcome> ProbeAsync(LabPod from, LabPod to, LabProbe probe, TimeSpan timeout, CancellationToken ct, IpFamily family = IpFamily.Any) =>
        probe.On(to) is { } port
            ? ProbeAsync(from, to, port, timeout, ct, family)
            : Task.FromResult(ProbeOutcome.Unsupported(NoSuchName(to, probe)));

    /// <summary>The diagnostic for a named probe to a pod that does not declare the name.</summary>
    public static string NoSuchName(LabPod to, LabProbe probe) =>
        $"{to.Pod} declares no {probe.Protocol.ToString().ToUpperInvariant()} port named '{probe.PortName}'";

    /// <summary>
    /// Probes over <paramref name="family"/>: one family only; or, for <see cref="IpFamily.Any"/>, IPv4 and then,
    /// unless IPv4 got through, IPv6, allowed when either is (as <c>npa matrix</c> judges <c>any</c>), so a
    /// dual-stack pair open over one family only is never reported blocked.
    /// </summary>
    public static async Task<ProbeOutcome> ProbeAsync(LabPod from, LabPod to, LabPort port, TimeSpan timeout, CancellationToken ct, IpFamily family = IpFamily.Any)
    {
        if (!to.Ports.Contains(port))
        {
            return ProbeOutcome.Unsupported($"{to.Pod} has no {port} listener in the lab");
        }

        ProbeOutcome? result = null;
        foreach (AddressFamily af in family.AddressFamilies())
        {
            IPAddress? dst = to.Ips.FirstOrDefault(i => i.AddressFamily == af);
            if (dst is null || !from.Ips.Any(i => i.AddressFamily == af))
            {
                continue;
            }

            ProbeOutcome outcome = await ProbeOnce(from, dst, port, timeout, ct);
            result = result is { Verdict: ProbeVerdict.Denied } denied && outcome.Verdict == ProbeVerdict.Allowed
                ? ProbeOutcome.Allowed($"{outcome.Detail} (IPv4 blocked: {denied.Detail})")
                : result ?? outcome;
            if (outcome.Verdict == ProbeVerdict.Allowed)
            {
                break;
            }
        }

        return result ?? ProbeOutcome.Unsupported(family == IpFamily.Any
            ? $"{from.Pod} and {to.Pod} share no address family"
            : $"{from.Pod} and {to.Pod} do not both have an {(family == IpFamily.IPv4 ? "IPv4" : "IPv6")} address");
    }

    private static async Task<ProbeOutcome> ProbeOnce(LabPod from, IPAddress dst, LabPort port, TimeSpan timeout, CancellationToken ct)
    {

        using CancellationTokenSource deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            return port.Protocol switch
            {
                Protocol.Tcp => await Tcp(from, dst, port.Port, deadline.Token),
                Protocol.Udp => await Udp(from, dst, port.Port, deadline.Token),
                Protocol.Sctp => await Sctp(from, dst, (ushort)port.Port, deadline.Token),
                _ => ProbeOutcome.Unsupported($"protocol {port.Protocol} cannot be probed"),
            };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ProbeOutcome.Denied($"no answer from {dst} {port} within {timeout.TotalMilliseconds:0} ms");
        }
    }

    private static Socket SocketIn(LabPod pod, AddressFamily family, SocketType type, ProtocolType protocol) =>
        NetNamespace.Run(pod.Netns, () => new Socket(family, type, protocol));

    private static async Task<ProbeOutcome> Tcp(LabPod from, IPAddress dst, int port, CancellationToken ct)
    {
        using Socket s = SocketIn(from, dst.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await s.ConnectAsync(new IPEndPoint(dst, port), ct);
            return ProbeOutcome.Allowed("connected");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return ProbeOutcome.Allowed("refused by the pod (the SYN reached it)");
        }
        catch (SocketException e)
        {
            return ProbeOutcome.Denied(e.SocketErrorCode.ToString());
        }
    }

    private static async Task<ProbeOutcome> Udp(LabPod from, IPAddress dst, int port, CancellationToken ct)
    {
        using Socket s = SocketIn(from, dst.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        byte[] request = Encoding.ASCII.GetBytes($"npa-lab probe {Guid.NewGuid():N}");
        byte[] buffer = new byte[2048];
        await s.ConnectAsync(new IPEndPoint(dst, port), ct);
        while (true)
        {
            await s.SendAsync(request, SocketFlags.None, ct);
            using CancellationTokenSource retry = CancellationTokenSource.CreateLinkedTokenSource(ct);
            retry.CancelAfter(TimeSpan.FromMilliseconds(300)); // resend: the first datagram may race neighbour setup
            try
            {
                int n = await s.ReceiveAsync(buffer, SocketFlags.None, retry.Token);
                if (buffer.AsSpan(0, n).SequenceEqual(request))
                {
                    return ProbeOutcome.Allowed("echoed");
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return ProbeOutcome.Allowed("port unreachable from the pod (the datagram reached it)");
            }
        }
    }

    private static async Task<ProbeOutcome> Sctp(LabPod from, IPAddress dst, ushort port, CancellationToken ct)
    {
        bool v4 = dst.AddressFamily == AddressFamily.InterNetwork;
        using Socket s = NetNamespace.Run(from.Netns, () => RawSocket.Open(dst.AddressFamily, SctpPacket.ProtocolNumber));
        ushort sourcePort = (ushort)Random.Shared.Next(49152, 65535);
        uint tag = (uint)Random.Shared.Next(1, int.MaxValue);
        byte[] init = SctpPacket.Init(sourcePort, port, tag);
        byte[] buffer = new byte[4096];
        EndPoint any = new IPEndPoint(v4 ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (true)
        {
            await s.SendToAsync(init, SocketFlags.None, new IPEndPoint(dst, 0), ct);
            using CancellationTokenSource retry = CancellationTokenSource.CreateLinkedTokenSource(ct);
            retry.CancelAfter(TimeSpan.FromMilliseconds(300));
            try
            {
                while (true)
                {
                    SocketReceiveFromResult r = await s.ReceiveFromAsync(buffer, SocketFlags.None, any, retry.Token);
                    ReadOnlySpan<byte> d = buffer.AsSpan(0, r.ReceivedBytes);
                    if (v4)
                    {
                        d = SctpPacket.StripIPv4Header(d);
                    }

                    if (((IPEndPoint)r.RemoteEndPoint).Address.Equals(dst) && SctpPacket.TryParse(d, out SctpPacket.Header h) &&
                        h.ChunkType == SctpPacket.ChunkInitAck && h.SourcePort == port && h.DestinationPort == sourcePort &&
                        h.VerificationTag == tag)
                    {
                        return ProbeOutcome.Allowed("INIT ACK");
                    }
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
        }
    }
}
