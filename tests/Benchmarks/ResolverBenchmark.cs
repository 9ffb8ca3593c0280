using System.Diagnostics;
using System.Net;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using static Npa.Resolver.Resolution.ResolverEvent;

namespace Npa.Benchmarks;

/// <summary>
/// Full resolution of a generated cluster (default 5,000 pods, 1,000 policies, 100 namespaces) side by
/// side with the incremental update after one pod's label changes: time, allocated bytes and the ratio.
/// Args: [pods] [policies] [namespaces] [iterations] [incremental updates].
/// </summary>
internal static class ResolverBenchmark
{
    public static int Run(string[] args)
    {
        int pods = args.Length > 0 ? int.Parse(args[0]) : 5000;
        int policies = args.Length > 1 ? int.Parse(args[1]) : 1000;
        int namespaces = args.Length > 2 ? int.Parse(args[2]) : 100;
        int iterations = args.Length > 3 ? int.Parse(args[3]) : 5;
        int updates = args.Length > 4 ? int.Parse(args[4]) : 2000;

        ClusterSnapshot snapshot = Generate(pods, policies, namespaces, seed: 42);
        Console.WriteLine($"resolver: {snapshot.Pods.Count} pods, {snapshot.Policies.Count} policies, {snapshot.Namespaces.Count} namespaces, {snapshot.Services.Count} services; processors={Environment.ProcessorCount}");

        // Warm up the code paths once, then measure.
        ResolverState state = ResolverState.FromSnapshot(snapshot);
        Thread.Sleep(300);
        List<(double Ms, long Bytes)> full = [];
        TimeSpan fullCpu = CpuTime();
        for (int i = 0; i < iterations; i++)
        {
            GC.Collect();
            long before = GC.GetAllocatedBytesForCurrentThread();
            Stopwatch sw = Stopwatch.StartNew();
            state = ResolverState.FromSnapshot(snapshot);
            sw.Stop();
            full.Add((sw.Elapsed.TotalMilliseconds, GC.GetAllocatedBytesForCurrentThread() - before));
        }

        // CPU time is what the work costs; wall time also counts waiting for a core on a busy machine.
        double fullCpuMs = (CpuTime() - fullCpu).TotalMilliseconds / iterations;

        long rules = state.PodPolicies.Values.Sum(p => (long)p.Ingress.Rules.Count + p.Egress.Rules.Count);

        // One pod flips its app label back and forth; each flip is one incremental update (after as many for warm-up).
        PodInfo pod = snapshot.Pods[snapshot.Pods.Count / 2];
        string original = pod.Labels["app"];
        PodInfo flipped = pod with { Labels = new Dictionary<string, string>(pod.Labels) { ["app"] = original == "app1" ? "app2" : "app1" } };
        // Warm up until the runtime has recompiled the update path at full optimisation: tiered compilation
        // first runs quickly-jitted code and recompiles hot methods in the background after a quiet spell, so
        // measuring the first few hundred updates would time unoptimised code and the JIT thread instead.
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < Math.Max(updates, 5000); i++)
            {
                state.Apply(new PodUpserted(i % 2 == 0 ? flipped : pod));
            }

            Thread.Sleep(300);
        }

        List<(double Ms, long Bytes, int Changed, int Recomputed)> incremental = [];
        TimeSpan incCpu = CpuTime();
        for (int i = 0; i < updates; i++)
        {
            PodInfo next = i % 2 == 0 ? flipped : pod;
            long before = GC.GetAllocatedBytesForCurrentThread();
            Stopwatch sw = Stopwatch.StartNew();
            PodPolicyChanges changes = state.Apply(new PodUpserted(next));
            sw.Stop();
            incremental.Add((sw.Elapsed.TotalMilliseconds, GC.GetAllocatedBytesForCurrentThread() - before, changes.Changed.Count, changes.PodsRecomputed));
        }

        double incCpuMs = (CpuTime() - incCpu).TotalMilliseconds / updates;

        double fullMs = Median(full.Select(f => f.Ms));
        double fullBytes = full.Average(f => (double)f.Bytes);
        double incMs = Median(incremental.Select(f => f.Ms));
        double incBytes = incremental.Average(f => (double)f.Bytes);
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;

        Console.WriteLine($"resolved {state.PodPolicies.Count} pod policies holding {rules:N0} allow entries");
        Console.WriteLine($"{"",-28} {"wall (median)",14} {"CPU (mean)",14} {"allocated (mean)",20}");
        Console.WriteLine($"{"full resolution",-28} {fullMs,11:F2} ms {fullCpuMs,11:F2} ms {fullBytes / 1048576,16:F1} MiB");
        Console.WriteLine($"{"incremental (1 pod label)",-28} {incMs,11:F4} ms {incCpuMs,11:F4} ms {incBytes / 1024,16:F1} KiB");
        Console.WriteLine($"{"ratio full / incremental",-28} {fullMs / incMs,12:F0}x {fullCpuMs / incCpuMs,12:F0}x {fullBytes / incBytes,19:F0}x");
        Console.WriteLine($"CPU time per operation: full {fullCpuMs:F2} ms, incremental {incCpuMs:F4} ms; the incremental update is {fullCpuMs / incCpuMs:F0}x cheaper");
        Console.WriteLine($"incremental: {incremental.Median(i => i.Recomputed)} pods recomputed, {incremental.Median(i => i.Changed)} changed per update (median of {updates})");
        Console.WriteLine($"peak working set: {peak / 1048576.0:F0} MiB");
        return 0;
    }

    private static TimeSpan CpuTime() => Process.GetCurrentProcess().TotalProcessorTime;

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static int Median<T>(this List<T> items, Func<T, int> selector)
    {
        int[] sorted = items.Select(selector).Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    /// <summary>
    /// A cluster shaped like a multi-team deployment: namespaces labelled by team and environment, pods
    /// labelled by app and tier with named ports, one Service per app, and per namespace a default deny,
    /// app-to-app allows, cross-namespace allows by team, egress to databases and to DNS, and an ipBlock rule.
    /// </summary>
    internal static ClusterSnapshot Generate(int podCount, int policyCount, int namespaceCount, int seed)
    {
        Random rng = new(seed);
        string[] tiers = ["web", "api", "db"];
        List<NamespaceInfo> namespaces = [];
        for (int n = 0; n < namespaceCount; n++)
        {
            string name = $"ns{n:D3}";
            namespaces.Add(new NamespaceInfo(name, new Dictionary<string, string>
            {
                ["kubernetes.io/metadata.name"] = name,
                ["team"] = $"team{n % 10}",
                ["env"] = n % 3 == 0 ? "prod" : "dev",
            }));
        }

        List<PodInfo> pods = [];
        for (int i = 0; i < podCount; i++)
        {
            string ns = namespaces[i % namespaceCount].Name;
            int app = rng.Next(10);
            IPAddress ip = new([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]);
            pods.Add(new PodInfo(ns, $"pod{i:D5}", new Dictionary<string, string>
            {
                ["app"] = $"app{app}",
                ["tier"] = tiers[app % 3],
            }, [ip], [new ContainerPort("http", 8080 + (app % 2), Protocol.Tcp), new ContainerPort("metrics", 9100, Protocol.Tcp), new ContainerPort("pg", 5432, Protocol.Tcp)]));
        }

        List<ServiceInfo> services = [];
        foreach (NamespaceInfo ns in namespaces)
        {
            for (int app = 0; app < 10; app++)
            {
                services.Add(new ServiceInfo(ns.Name, $"app{app}", [new IPAddress([172, 20, (byte)services.Count, (byte)(services.Count >> 8)])],
                    new Dictionary<string, string> { ["app"] = $"app{app}" }, [new ServicePort("http", Protocol.Tcp, 80, null, "http")]));
            }
        }

        static LabelSelector Select(string key, string value) => new(new Dictionary<string, string> { [key] = value }, []);
        static PolicyPort Tcp(int port) => new(Protocol.Tcp, port, null, null);

        List<NetworkPolicySpec> policies = [];
        int perNamespace = Math.Max(1, policyCount / namespaceCount);
        for (int p = 0; p < policyCount; p++)
        {
            string ns = namespaces[p % namespaceCount].Name;
            int k = p / namespaceCount;
            int app = rng.Next(10);
            NetworkPolicySpec policy = (k % perNamespace) switch
            {
                0 => new NetworkPolicySpec(ns, $"default-deny-{k}", LabelSelector.Everything, PolicyTypes.Ingress | PolicyTypes.Egress, [], []),
                1 => new NetworkPolicySpec(ns, $"allow-dns-{k}", LabelSelector.Everything, PolicyTypes.Egress, [],
                    [new PolicyRule([new PolicyPeer(null, Select("kubernetes.io/metadata.name", "ns000"), null)], [new PolicyPort(Protocol.Udp, 53, null, null), Tcp(53)])]),
                2 => new NetworkPolicySpec(ns, $"team-http-{k}", Select("tier", "web"), PolicyTypes.Ingress,
                    [new PolicyRule([new PolicyPeer(null, Select("team", $"team{rng.Next(10)}"), null)], [new PolicyPort(Protocol.Tcp, null, "http", null)])], []),
                3 => new NetworkPolicySpec(ns, $"to-db-{k}", Select("tier", "api"), PolicyTypes.Egress, [],
                    [new PolicyRule([new PolicyPeer(Select("tier", "db"), null, null)], [Tcp(5432)])]),
                4 => new NetworkPolicySpec(ns, $"egress-cidr-{k}", Select("app", $"app{app}"), PolicyTypes.Egress, [],
                    [new PolicyRule([new PolicyPeer(null, null, new IpBlock(IpPrefix.Parse("192.168.0.0/16"), [IpPrefix.Parse("192.168.10.0/24")]))], [Tcp(443)])]),
                5 => new NetworkPolicySpec(ns, $"monitoring-{k}", LabelSelector.Everything, PolicyTypes.Ingress,
                    [new PolicyRule([new PolicyPeer(Select("app", "app0"), Select("env", "prod"), null)], [new PolicyPort(Protocol.Tcp, null, "metrics", null)])], []),
                _ => new NetworkPolicySpec(ns, $"app{app}-from-app{(app + 1) % 10}-{k}", Select("app", $"app{app}"), PolicyTypes.Ingress | PolicyTypes.Egress,
                    [new PolicyRule([new PolicyPeer(Select("app", $"app{(app + 1) % 10}"), null, null)], [Tcp(8080), Tcp(8081)])],
                    [new PolicyRule([new PolicyPeer(Select("app", $"app{(app + 2) % 10}"), null, null)], [new PolicyPort(Protocol.Tcp, null, "http", null)])]),
            };
            policies.Add(policy);
        }

        return new ClusterSnapshot(namespaces, pods, policies, services);
    }
}
