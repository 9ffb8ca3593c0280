using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npa.Host.Lab;
using Npa.Host.Lab.Kernel;
using Npa.Enforcer;
using Npa.Host.Stages;
using Npa.Host.Lab.Traffic;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Benchmarks.Lab;

/// <summary>
/// lab-throughput: TCP throughput (iperf3 inside the lab's namespaces) and UDP request/response latency
/// between two lab pods routed through the node namespace, with no program, with the eBPF program holding
/// 10 and 10,000 ingress entries for the server, and with the same policy as 10,000 stateless iptables
/// rules in the node namespace's FORWARD chain. All in one run; printed as ratios to no program.
/// Arguments: [seconds per iperf3 run (default 3)] [UDP round trips (default 5000)].
/// </summary>
internal static class LabThroughputBenchmark
{
    private const int IperfPort = 5201;
    private const int EchoPort = 7007;
    private static readonly IPAddress ClientIp = IPAddress.Parse("10.201.0.1");
    private static readonly IPAddress ServerIp = IPAddress.Parse("10.201.0.2");

    private sealed record Row(string Name, double Gbps, double MeanUs, double P50Us, double P99Us);

    public static int Run(string[] args)
    {
        int seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        int roundTrips = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5000;
        string prefix = "npb" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        string labId = LabNames.NewLabId();
        LabTopology topology = new(prefix, labId);
        List<Row> rows = [];
        NodeEnforcer? node = null;
        PodListeners? echo = null;
        Process? iperfServer = null;
        try
        {
            topology.CreateNode();
            LabPort[] ports = [new(Protocol.Tcp, IperfPort), new(Protocol.Udp, EchoPort)];
            LabPod client = topology.AddPod(new ObjectRef("bench", "client"), [ClientIp], ports);
            LabPod server = topology.AddPod(new ObjectRef("bench", "server"), [ServerIp], ports);
            echo = PodListeners.Start(server with { Ports = [new LabPort(Protocol.Udp, EchoPort)] });
            iperfServer = StartIperfServer(server);

            rows.Add(Measure("no program", client, seconds, roundTrips));

            // The agent's enforcer, on the node namespace's host veths as the lab runs it.
            node = NodeEnforcer.Open(new EnforcerOptions { BpffsRoot = LabNames.BpfRoot(prefix, labId), ConntrackEntries = 65536 });
            NodePodEnforcer enforcer = new(node, Npa.Enforcer.EnforcingMode.Standard, _ => null, NetNamespace.PathOf(topology.NodeNetns));
            enforcer.EnsurePod(client.Pod, [client.HostVeth], Npa.Enforcer.EnforcingMode.Standard);
            enforcer.EnsurePod(server.Pod, [server.HostVeth], Npa.Enforcer.EnforcingMode.Standard);
            enforcer.Apply(new PodPolicy(client.Pod, client.Ips, DirectionPolicy.Open, DirectionPolicy.Open));
            foreach (int entries in new[] { 10, 10_000 })
            {
                enforcer.Apply(ServerPolicy(server, entries));
                rows.Add(Measure($"eBPF, {entries:N0} entries", client, seconds, roundTrips));
            }

            enforcer.RemovePod(server.Pod);
            enforcer.RemovePod(client.Pod);

            InstallIptables(topology.NodeNetns, server.HostVeth, 10_000);
            rows.Add(Measure("iptables, 10,000 stateless rules", client, seconds, roundTrips));
            Shell.InNetns(topology.NodeNetns, "iptables", ["-F"]);
            Shell.InNetns(topology.NodeNetns, "iptables", ["-X"]);
            rows.Add(Measure("no program (again)", client, seconds, roundTrips));
        }
        finally
        {
            if (iperfServer is { HasExited: false })
            {
                iperfServer.Kill();
                iperfServer.WaitForExit(5000);
            }

            iperfServer?.Dispose();
            echo?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            node?.Dispose();
            LabTeardown.RemoveKernelState(prefix, labId, LabNames.BpfRoot(prefix, labId));
        }

        Print(rows, seconds, roundTrips);
        return 0;
    }

    /// <summary>Server ingress: decoy /32s on other ports, then the rule that lets the client in; egress open.</summary>
    private static PodPolicy ServerPolicy(LabPod server, int entries)
    {
        RuleRef source = new("bench", "lab-throughput", Direction.Ingress, 0, "bench");
        List<AllowRule> rules = [];
        for (int i = 0; i < entries - 2; i++)
        {
            IPAddress decoy = new([172, (byte)(16 + (i >> 16)), (byte)(i >> 8), (byte)i]);
            rules.Add(new AllowRule(IpPrefix.Host(decoy), [], L4Match.Single(Protocol.Tcp, 1000 + (i % 1000)), source));
        }

        rules.Add(new AllowRule(IpPrefix.Host(ClientIp), [], L4Match.Single(Protocol.Tcp, IperfPort), source));
        rules.Add(new AllowRule(IpPrefix.Host(ClientIp), [], L4Match.Single(Protocol.Udp, EchoPort), source));
        return new PodPolicy(server.Pod, server.Ips, new DirectionPolicy(true, rules, [new ObjectRef("bench", "lab-throughput")]), DirectionPolicy.Open);
    }

    /// <summary>The same policy as stateless iptables rules, matching rules last (worst case, as a linear chain is).</summary>
    private static void InstallIptables(string nodeNetns, string serverVeth, int entries)
    {
        StringBuilder b = new("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POD-SERVER - [0:0]\n");
        b.Append(CultureInfo.InvariantCulture, $"-A FORWARD -i {serverVeth} -j ACCEPT\n-A FORWARD -o {serverVeth} -j POD-SERVER\n");
        for (int i = 0; i < entries - 2; i++)
        {
            b.Append(CultureInfo.InvariantCulture, $"-A POD-SERVER -s 172.{16 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}/32 -p tcp --dport {1000 + (i % 1000)} -j ACCEPT\n");
        }

        b.Append(CultureInfo.InvariantCulture, $"-A POD-SERVER -s {ClientIp}/32 -p tcp --dport {IperfPort} -j ACCEPT\n");
        b.Append(CultureInfo.InvariantCulture, $"-A POD-SERVER -s {ClientIp}/32 -p udp --dport {EchoPort} -j ACCEPT\n");
        b.Append("-A POD-SERVER -j DROP\nCOMMIT\n");
        Shell.Result r = Shell.InNetns(nodeNetns, "iptables-restore", [], TimeSpan.FromSeconds(60), b.ToString());
        if (!r.Ok)
        {
            throw new LabException($"iptables-restore failed: {r.StdErr.Trim()}");
        }
    }

    private static Process StartIperfServer(LabPod server)
    {
        ProcessStartInfo psi = new("nsenter") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { $"--net={NetNamespace.PathOf(server.Netns)}", "--", "iperf3", "-s", "-p", IperfPort.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        Process p = Process.Start(psi) ?? throw new LabException("cannot start iperf3 -s");
        Thread.Sleep(300);
        return p;
    }

    private static Row Measure(string name, LabPod client, int seconds, int roundTrips)
    {
        Shell.Result r = Shell.InNetns(client.Netns, "iperf3",
            ["-c", ServerIp.ToString(), "-p", IperfPort.ToString(CultureInfo.InvariantCulture), "-t", seconds.ToString(CultureInfo.InvariantCulture), "-J"],
            TimeSpan.FromSeconds(seconds + 30));
        double gbps = double.NaN;
        if (r.Ok)
        {
            using JsonDocument doc = JsonDocument.Parse(r.StdOut);
            gbps = doc.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e9;
        }
        else
        {
            Console.Error.WriteLine($"{name}: iperf3 failed: {r.StdErr.Trim()} {r.StdOut.Trim()}");
        }

        (double mean, double p50, double p99) = UdpLatency(client, roundTrips);
        Console.Out.WriteLine($"  measured {name}: {gbps:F2} Gbit/s, UDP rr mean {mean:F1} us");
        return new Row(name, gbps, mean, p50, p99);
    }

    /// <summary>Sequential UDP request/response from the client's namespace to the server's echo; microseconds.</summary>
    private static (double Mean, double P50, double P99) UdpLatency(LabPod client, int roundTrips)
    {
        using Socket s = NetNamespace.Run(client.Netns, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        s.Connect(new IPEndPoint(ServerIp, EchoPort));
        s.ReceiveTimeout = 1000;
        byte[] request = new byte[32];
        byte[] reply = new byte[64];
        for (int i = 0; i < 200; i++)
        {
            s.Send(request);
            s.Receive(reply);
        }

        double[] samples = new double[roundTrips];
        for (int i = 0; i < roundTrips; i++)
        {
            long start = Stopwatch.GetTimestamp();
            s.Send(request);
            s.Receive(reply);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(samples);
        return (samples.Average(), samples[roundTrips / 2], samples[(int)(roundTrips * 0.99)]);
    }

    private static void Print(List<Row> rows, int seconds, int roundTrips)
    {
        List<Row> baselines = [.. rows.Where(r => r.Name.StartsWith("no program", StringComparison.Ordinal))];
        double baseGbps = baselines.Average(r => r.Gbps);
        double baseMean = baselines.Average(r => r.MeanUs);
        double baseP50 = baselines.Average(r => r.P50Us);
        Console.Out.WriteLine();
        Console.Out.WriteLine($"lab-throughput: client -> node namespace -> server; iperf3 TCP {seconds} s, 1 stream; UDP 32-byte request/response x {roundTrips:N0}");
        Console.Out.WriteLine($"ratios against the mean of the two no-program runs ({baseGbps:F2} Gbit/s, {baseMean:F1} us)");
        Console.Out.WriteLine($"{"config",-36} {"TCP Gbit/s",10} {"ratio",6} {"UDP rr mean us",15} {"ratio",6} {"p50",7} {"ratio",6} {"p99",8}");
        foreach (Row r in rows)
        {
            Console.Out.WriteLine($"{r.Name,-36} {r.Gbps,10:F2} {r.Gbps / baseGbps,6:F2} {r.MeanUs,15:F1} {r.MeanUs / baseMean,6:F2} {r.P50Us,7:F1} {r.P50Us / baseP50,6:F2} {r.P99Us,8:F1}");
        }

        Console.Out.WriteLine("(2-vCPU VM shared with other work: single-run TCP differences under about 15% are noise; p50 is the steadiest latency figure)");
    }
}
