using System.Diagnostics;
using System.Net;
using Npa.Enforcer;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Benchmarks;

/// <summary>
/// <c>enforcer</c>: time from a policy change to the maps programmed, for 1,000 pods (p50/p99), and the
/// upsert rate of a 10,000-entry policy, each next to its baseline measured in the same run
/// (a full rewrite instead of the diff; raw map updates instead of Apply). Needs root and bpffs.
/// Args: [pods (1000)] [entries (10000)] [--keep] (keep the root for `npa ebpf --root`).
/// </summary>
internal static class EnforcerBenchmark
{
    public static int Run(string[] args)
    {
        int pods = args.Length > 0 && int.TryParse(args[0], out int p) ? p : 1000;
        int entries = args.Length > 1 && int.TryParse(args[1], out int n) ? n : 10000;
        bool keep = args.Contains("--keep");
        string root = $"/sys/fs/bpf/npaenf-bench-{Guid.NewGuid():N}"[..38];
        NodeEnforcer enforcer = NodeEnforcer.Open(new EnforcerOptions { BpffsRoot = root, ConntrackEntries = 65536 });
        try
        {
            Random random = new(42);
            PodKey[] keys = Enumerable.Range(0, pods).Select(i => new PodKey("bench", $"pod-{i}", $"uid-{i}")).ToArray();
            for (int i = 0; i < pods; i++)
            {
                enforcer.RegisterUnattached(keys[i], (uint)(100000 + i), EnforcingMode.Strict);
            }

            PodPolicy[] initial = keys.Select(k => Policy(k, random, 10)).ToArray();
            double[] first = Measure(pods, i => enforcer.Apply(keys[i], initial[i]));
            PodPolicy[] changed = initial.Select(pp => ChangeOneRule(pp, random)).ToArray();
            double[] change = Measure(pods, i => enforcer.Apply(keys[i], changed[i]));
            // Baseline: the same change written as "remove everything, write everything".
            double[] rewrite = Measure(pods, i =>
            {
                enforcer.Apply(keys[i], Open(keys[i]));
                enforcer.Apply(keys[i], initial[i]);
            });

            Console.WriteLine($"enforcer: {pods} pods, 10 rules each (initial program, then one rule changed)");
            Console.WriteLine($"  first apply            p50 {P(first, 50):F3} ms  p99 {P(first, 99):F3} ms");
            Console.WriteLine($"  one-rule change (diff) p50 {P(change, 50):F3} ms  p99 {P(change, 99):F3} ms");
            Console.WriteLine($"  full rewrite baseline  p50 {P(rewrite, 50):F3} ms  p99 {P(rewrite, 99):F3} ms");
            Console.WriteLine($"  ratio diff / rewrite (p50): {P(change, 50) / P(rewrite, 50):F2}");

            PodKey big = new("bench", "big", "uid-big");
            enforcer.RegisterUnattached(big, 99999, EnforcingMode.Strict);
            AllowRule[] rules = Enumerable.Range(0, entries).Select(i => new AllowRule(
                new IpPrefix(new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]), 32), [], L4Match.Single(Protocol.Tcp, 80),
                new RuleRef("bench", "big", Direction.Ingress, i, $"10.x/{i}"))).ToArray();
            PodPolicy bigPolicy = new(new ObjectRef("bench", "big"), [], new DirectionPolicy(true, rules, []), DirectionPolicy.Open);
            Npa.Enforcer.Rules.RuleIdRegistry scratch = Npa.Enforcer.Rules.RuleIdRegistry.InMemory();
            double compileMs = double.MaxValue, diffMs = double.MaxValue;
            Stopwatch sw = new();
            for (int round = 0; round < 3; round++)
            {
                sw.Restart();
                LpmPodState compiled = LpmCompiler.Compile(bigPolicy, scratch.GetOrAdd);
                compileMs = Math.Min(compileMs, sw.Elapsed.TotalMilliseconds);
                sw.Restart();
                _ = Npa.Resolver.Diff.PodMapChanges.Compute(compiled, LpmPodState.Open);
                diffMs = Math.Min(diffMs, sw.Elapsed.TotalMilliseconds);
            }

            sw.Restart();
            ApplyResult result = enforcer.Apply(big, bigPolicy);
            double applyMs = sw.Elapsed.TotalMilliseconds;
            int written = result.PeerChanges + result.PortChanges;

            double rawMs = RawUpserts(enforcer, entries);
            Console.WriteLine($"upsert: policy of {entries} /32 rules -> {written} map entries");
            Console.WriteLine($"  Apply (compile + diff + write)  {applyMs:F1} ms = {written / applyMs * 1000:F0} entries/s");
            Console.WriteLine($"    of which compile {compileMs:F1} ms, diff {diffMs:F1} ms (pure, best of 3, measured apart)");
            Console.WriteLine($"  raw bpf_map_update_elem baseline {rawMs:F1} ms = {entries / rawMs * 1000:F0} entries/s");
            Console.WriteLine($"  ratio Apply / raw per entry: {applyMs / written / (rawMs / entries):F2}");
            // Revocation: a policy change that narrows rules sweeps the conntrack map.
            int flows = 50_000;
            FillConntrack(enforcer, flows, pods);
            PodKey[] batch = keys.Take(100).ToArray();
            sw.Restart();
            foreach (PodKey k in batch)
            {
                enforcer.Apply(k, Narrow(initial[Array.IndexOf(keys, k)]));
            }

            double perPod = sw.Elapsed.TotalMilliseconds;
            foreach (PodKey k in batch)
            {
                enforcer.Apply(k, initial[Array.IndexOf(keys, k)]);
            }

            sw.Restart();
            enforcer.ApplyAll(batch.Select(k => new KeyValuePair<PodKey, PodPolicy>(k, Narrow(initial[Array.IndexOf(keys, k)]))));
            double together = sw.Elapsed.TotalMilliseconds;
            Console.WriteLine($"revocation: 100 pods narrowed, {flows} conntrack entries");
            Console.WriteLine($"  Apply per pod (100 sweeps)  {perPod:F0} ms");
            Console.WriteLine($"  ApplyAll (one sweep)        {together:F0} ms");
            Console.WriteLine($"  ratio ApplyAll / per pod: {together / perPod:F2}");
            if (keep)
            {
                Console.WriteLine($"kept root {root} (inspect: npa ebpf --root {root} pods; remove: rm -rf {root})");
            }

            return 0;
        }
        finally
        {
            enforcer.Dispose();
            if (!keep)
            {
                NodeEnforcer.DeleteRoot(root);
            }
        }
    }

    private static double RawUpserts(NodeEnforcer enforcer, int entries)
    {
        using var map = new Npa.Enforcer.Maps.BpfMap<Npa.Enforcer.Maps.NpaLpm4Key, uint>(
            Npa.Enforcer.PinnedState.PinnedObjects.Get(Path.Combine(enforcer.Root, "maps", Npa.Enforcer.PinnedState.MapNames.EgressLpm4)), "egr4");
        Npa.Enforcer.Maps.NpaLpm4Key[] keys = Enumerable.Range(0, entries).Select(i =>
            Npa.Enforcer.Maps.KeyCodec.Peer4(7777, new IpPrefix(new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]), 32))).ToArray();
        Stopwatch sw = Stopwatch.StartNew();
        foreach (Npa.Enforcer.Maps.NpaLpm4Key k in keys)
        {
            map.Update(k, 1);
        }

        double ms = sw.Elapsed.TotalMilliseconds;
        foreach (Npa.Enforcer.Maps.NpaLpm4Key k in keys)
        {
            map.Delete(k);
        }

        return ms;
    }

    private static PodPolicy Narrow(PodPolicy policy) =>
        policy with { Ingress = policy.Ingress with { Rules = policy.Ingress.Rules.Skip(1).ToArray() } };

    private static unsafe void FillConntrack(NodeEnforcer enforcer, int flows, int pods)
    {
        using var ct = new Npa.Enforcer.Maps.BpfMap<Npa.Enforcer.Maps.NpaCtKey, Npa.Enforcer.Maps.NpaCtValue>(
            Npa.Enforcer.PinnedState.PinnedObjects.Get(Path.Combine(enforcer.Root, "maps", Npa.Enforcer.PinnedState.MapNames.Conntrack)), "ct");
        for (int i = 0; i < flows; i++)
        {
            Npa.Enforcer.Maps.NpaCtKey key = new() { PodId = (uint)(1 + (i % pods)), Direction = 1, Protocol = 6, Family = 4, SrcPort = (ushort)(1024 + (i % 60000)), DstPort = 1000 };
            key.Src[0] = 10;
            key.Src[1] = (byte)(i >> 16);
            key.Src[2] = (byte)(i >> 8);
            key.Src[3] = (byte)i;
            key.Dst[0] = 10;
            ct.Update(key, new Npa.Enforcer.Maps.NpaCtValue { RuleId = 1 });
        }
    }

    private static double[] Measure(int count, Action<int> action)
    {
        double[] ms = new double[count];
        for (int i = 0; i < count; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            action(i);
            ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }

        Array.Sort(ms);
        return ms;
    }

    private static double P(double[] sorted, int percentile) => sorted[Math.Min(sorted.Length - 1, sorted.Length * percentile / 100)];

    private static PodPolicy Open(PodKey key) => new(key.Ref, [], DirectionPolicy.Open, DirectionPolicy.Open);

    private static PodPolicy Policy(PodKey key, Random random, int rules)
    {
        AllowRule[] r = Enumerable.Range(0, rules).Select(i => Rule(key, random, i)).ToArray();
        return new PodPolicy(key.Ref, [], new DirectionPolicy(true, r, []), new DirectionPolicy(true, r.Take(3).ToArray(), []));
    }

    private static AllowRule Rule(PodKey key, Random random, int index) => new(
        new IpPrefix(new IPAddress([10, (byte)random.Next(4), (byte)random.Next(256), 0]), 16 + random.Next(17)),
        [], L4Match.Single(random.Next(2) == 0 ? Protocol.Tcp : Protocol.Udp, 1000 + random.Next(100)),
        new RuleRef(key.Namespace, "policy", Direction.Ingress, index, "cidr"));

    private static PodPolicy ChangeOneRule(PodPolicy policy, Random random)
    {
        AllowRule[] rules = policy.Ingress.Rules.ToArray();
        rules[0] = rules[0] with { Ports = L4Match.Single(Protocol.Tcp, 2000 + random.Next(100)) };
        return policy with { Ingress = policy.Ingress with { Rules = rules } };
    }
}
