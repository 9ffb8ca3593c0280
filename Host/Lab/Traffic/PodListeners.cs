using System.Net;
using System.Net.Sockets;
using System.Text;
using Npa.Host.Lab.Kernel;
using Npa.Resolver.Model;

namespace Npa.Host.Lab.Traffic;

/// <summary>
/// The servers of one lab pod, opened inside its namespace from this process: TCP (accept, answer a
/// line, close), UDP (echo) and SCTP (raw sockets answering INIT with INIT ACK). Disposing closes them.
/// </summary>
public sealed class PodListeners : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _loops = [];

    private PodListeners(LabPod pod) => Pod = pod;

    public LabPod Pod { get; }

    public static PodListeners Start(LabPod pod)
    {
        PodListeners l = new(pod);
        try
        {
            l.Open();
        }
        catch
        {
            l.CloseSockets();
            throw;
        }

        return l;
    }

    private void Open()
    {
        HashSet<ushort> sctpPorts = [.. Pod.Ports.Where(p => p.Protocol == Protocol.Sctp).Select(p => (ushort)p.Port)];
        bool v4 = Pod.Ips.Any(i => i.AddressFamily == AddressFamily.InterNetwork);
        bool v6 = Pod.Ips.Any(i => i.AddressFamily == AddressFamily.InterNetworkV6);
        NetNamespace.Run(Pod.Netns, () =>
        {
            foreach (LabPort port in Pod.Ports)
            {
                switch (port.Protocol)
                {
                    case Protocol.Tcp:
                        Socket tcp = DualMode(SocketType.Stream, ProtocolType.Tcp);
                        tcp.Bind(new IPEndPoint(IPAddress.IPv6Any, port.Port));
                        tcp.Listen(128);
                        _sockets.Add(tcp);
                        break;
                    case Protocol.Udp:
                        Socket udp = DualMode(SocketType.Dgram, ProtocolType.Udp);
                        udp.Bind(new IPEndPoint(IPAddress.IPv6Any, port.Port));
                        _sockets.Add(udp);
                        break;
                }
            }

            if (sctpPorts.Count > 0 && v4)
            {
                _sockets.Add(RawSocket.Open(AddressFamily.InterNetwork, SctpPacket.ProtocolNumber));
            }

            if (sctpPorts.Count > 0 && v6)
            {
                _sockets.Add(RawSocket.Open(AddressFamily.InterNetworkV6, SctpPacket.ProtocolNumber));
            }

            return 0;
        });

        foreach (Socket s in _sockets)
        {
            _loops.Add(s.SocketType switch
            {
                SocketType.Stream => Task.Run(() => AcceptLoop(s)),
                SocketType.Dgram => Task.Run(() => EchoLoop(s)),
                _ => Task.Run(() => SctpLoop(s, sctpPorts)),
            });
        }
    }

    private static Socket DualMode(SocketType type, ProtocolType protocol) =>
        new(AddressFamily.InterNetworkV6, type, protocol) { DualMode = true };

    private async Task AcceptLoop(Socket listener)
    {
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        byte[] banner = Encoding.ASCII.GetBytes($"npa-lab {Pod.Pod} TCP/{port}\n");
        while (!_stop.IsCancellationRequested)
        {
            Socket conn;
            try
            {
                conn = await listener.AcceptAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            _ = Task.Run(async () =>
            {
                using (conn)
                {
                    try
                    {
                        using CancellationTokenSource t = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                        t.CancelAfter(TimeSpan.FromSeconds(2));
                        await conn.SendAsync(banner, SocketFlags.None, t.Token);
                        conn.Shutdown(SocketShutdown.Both);
                    }
                    catch (Exception)
                    {
                        // The peer went away; nothing to answer.
                    }
                }
            });
        }
    }

    private async Task EchoLoop(Socket udp)
    {
        byte[] buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.IPv6Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                SocketReceiveFromResult r = await udp.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                await udp.SendToAsync(buffer.AsMemory(0, r.ReceivedBytes), SocketFlags.None, r.RemoteEndPoint, _stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP error from an earlier reply surfaces here; keep serving.
            }
        }
    }

    private async Task SctpLoop(Socket raw, HashSet<ushort> ports)
    {
        byte[] buffer = new byte[4096];
        bool v4 = raw.AddressFamily == AddressFamily.InterNetwork;
        EndPoint any = new IPEndPoint(v4 ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                SocketReceiveFromResult r = await raw.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
                ReadOnlySpan<byte> datagram = buffer.AsSpan(0, r.ReceivedBytes);
                if (v4)
                {
                    datagram = SctpPacket.StripIPv4Header(datagram);
                }

                if (!SctpPacket.TryParse(datagram, out SctpPacket.Header h) || h.ChunkType != SctpPacket.ChunkInit ||
                    !ports.Contains(h.DestinationPort))
                {
                    continue;
                }

                byte[] reply = SctpPacket.InitAck(h.DestinationPort, h.SourcePort, h.InitiateTag, (uint)Random.Shared.Next(1, int.MaxValue));
                IPEndPoint to = new(((IPEndPoint)r.RemoteEndPoint).Address, 0);
                await raw.SendToAsync(reply, SocketFlags.None, to, _stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // Keep serving after a send error.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        CloseSockets();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Loops end on cancellation; their errors no longer matter.
        }

        _stop.Dispose();
    }

    private void CloseSockets()
    {
        foreach (Socket s in _sockets)
        {
            s.Dispose();
        }
    }
}
