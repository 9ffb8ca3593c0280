using System.Diagnostics;
using Npa.Ingest.Kubernetes.Controller;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using static Npa.Resolver.Resolution.ResolverEvent;

namespace Npa.Benchmarks;

/// <summary>
/// The controller's pure work on a generated cluster, side by side: the first round after the lists
/// (resolve everything, build and chunk every policy's PolicyEndpoints, render the JSON of every object)
/// against one pod add, delete or relabel (apply the event, rebuild and re-chunk only the policies the
/// resolver reports, render only the objects that changed), and the old way (rebuild every policy after
/// every change). Args: [pods] [policies] [namespaces] [changes].
/// </summary>
internal static class ControllerCoreBenchmark
{
    private const int ChunkSize = 200;

    public static int Run(string[] args)
    {
        int podCount = args.Length > 0 ? int.Parse(args[0]) : 5000;
        int policyCount = args.Length > 1 ? int.Parse(args[1]) : 1000;
        int namespaceCount = args.Length > 2 ? int.Parse(args[2]) : 100;
        int changes = args.Length > 3 ? int.Parse(args[3]) : 600;
        ClusterSnapshot snapshot = ResolverBenchmark.Generate(podCount, policyCount, namespaceCount, seed: 42);
        Console.WriteLine($"controller-core: {snapshot.Pods.Count} pods, {snapshot.Policies.Count} policies, {snapshot.Namespaces.Count} namespaces; processors={Environment.ProcessorCount}");

        // First round, twice (the first warms the JIT).
        Dictionary<ObjectRef, IReadOnlyList<PolicyEndpointSpec>> published = [];
        ResolverState state = null!;
        double firstMs = 0, firstCpuMs = 0;
        int objects = 0;
        for (int round = 0; round < 2; round++)
        {
            TimeSpan cpu = CpuTime();
            Stopwatch sw = Stopwatch.StartNew();
            state = ResolverState.FromSnapshot(snapshot);
            state.TrackPolicyEndpointChanges();
            published.Clear();
            objects = 0;
            foreach (NetworkPolicySpec policy in state.Index.Policies)
            {
                IReadOnlyList<PolicyEndpointSpec> plan = PolicyEndpointChunks.Plan(PolicyEndpointBuilder.BuildWhole(state, policy.Ref)!, [], ChunkSize);
                published[policy.Ref] = [.. plan.Select((c, i) => c with { Name = $"{policy.Name}-{i}" })];
                foreach (PolicyEndpointSpec chunk in plan)
                {
                    _ = PolicyEndpointJson.NewObject(chunk, policy.Uid).ToJsonString();
                    objects++;
                }
            }

            firstMs = sw.Elapsed.TotalMilliseconds;
            firstCpuMs = (CpuTime() - cpu).TotalMilliseconds;
        }

        // Changes: add a pod, relabel it, delete it; cycling through namespaces.
        Random rng = new(7);
        List<double> perChange = [];
        int policiesRebuilt = 0, objectsWritten = 0;
        long applyTicks = 0, buildTicks = 0, planTicks = 0;
        TimeSpan changeCpu = CpuTime();
        for (int i = 0; i < changes; i++)
        {
            PodInfo template = snapshot.Pods[rng.Next(snapshot.Pods.Count)];
            PodInfo added = template with { Name = $"new-{i / 3}", Ips = [new System.Net.IPAddress([10, 250, (byte)(i / 3 >> 8), (byte)(i / 3)])] };
            ResolverEvent e = (i % 3) switch
            {
                0 => new PodUpserted(added),
                1 => new PodUpserted(added with { Labels = new Dictionary<string, string>(added.Labels) { ["app"] = "app" + rng.Next(10) } }),
                _ => new PodDeleted(added.Ref),
            };
            if (e is PodUpserted up && i % 3 == 1)
            {
                added = up.Pod;
            }

            Stopwatch sw = Stopwatch.StartNew();
            long t0 = Stopwatch.GetTimestamp();
            state.Apply(e);
            applyTicks += Stopwatch.GetTimestamp() - t0;
            foreach (ObjectRef policy in state.TakePolicyEndpointChanges())
            {
                policiesRebuilt++;
                t0 = Stopwatch.GetTimestamp();
                PolicyEndpointSpec? whole = PolicyEndpointBuilder.BuildWhole(state, policy);
                buildTicks += Stopwatch.GetTimestamp() - t0;
                IReadOnlyList<PolicyEndpointSpec> existing = published.GetValueOrDefault(policy) ?? [];
                t0 = Stopwatch.GetTimestamp();
                IReadOnlyList<PolicyEndpointSpec> plan = whole is null ? [] : PolicyEndpointChunks.Plan(whole, existing, ChunkSize);
                planTicks += Stopwatch.GetTimestamp() - t0;
                foreach (PolicyEndpointSpec chunk in plan)
                {
                    PolicyEndpointSpec? before = existing.FirstOrDefault(x => x.Name == chunk.Name);
                    if (before is null || !before.SameContent(chunk))
                    {
                        _ = PolicyEndpointJson.Spec(chunk).ToJsonString();
                        objectsWritten++;
                    }
                }

                published[policy] = [.. plan.Select((c, n) => c.Name.Length > 0 ? c : c with { Name = $"{policy.Name}-x{i}-{n}" })];
            }

            perChange.Add(sw.Elapsed.TotalMilliseconds);
        }

        double changeCpuMs = (CpuTime() - changeCpu).TotalMilliseconds / changes;

        // The old way: every policy rebuilt after a change (on a freshly loaded state, so no entry is reused).
        ResolverState cold = ResolverState.FromSnapshot(snapshot);
        Stopwatch all = Stopwatch.StartNew();
        TimeSpan allCpu = CpuTime();
        foreach (NetworkPolicySpec policy in cold.Index.Policies)
        {
            _ = PolicyEndpointBuilder.Build(cold, policy.Ref, ChunkSize);
        }

        double allMs = all.Elapsed.TotalMilliseconds;
        double allCpuMs = (CpuTime() - allCpu).TotalMilliseconds;
        double[] sorted = [.. perChange.Order()];

        Console.WriteLine($"first round: {published.Count} policies, {objects} PolicyEndpoint objects");
        Console.WriteLine($"{"",-44} {"wall",12} {"CPU",12}");
        Console.WriteLine($"{"first round (resolve + build + chunk + JSON)",-44} {firstMs,9:F0} ms {firstCpuMs,9:F0} ms");
        Console.WriteLine($"{"one pod change, incremental (mean)",-44} {perChange.Average(),9:F2} ms {changeCpuMs,9:F2} ms");
        Console.WriteLine($"{"one pod change, incremental (p99)",-44} {sorted[(int)(sorted.Length * 0.99)],9:F2} ms");
        Console.WriteLine($"{"one pod change, every policy rebuilt (old)",-44} {allMs,9:F0} ms {allCpuMs,9:F0} ms");
        Console.WriteLine($"ratio old / incremental per change: {allCpuMs / changeCpuMs:F0}x (CPU)");
        Console.WriteLine($"per change: {policiesRebuilt / (double)changes:F1} policies rebuilt, {objectsWritten / (double)changes:F2} objects written (stable chunks)");
        Console.WriteLine($"per change, wall: resolver apply {Stopwatch.GetElapsedTime(0, applyTicks).TotalMilliseconds / changes:F2} ms, build {Stopwatch.GetElapsedTime(0, buildTicks).TotalMilliseconds / changes:F2} ms, chunk plan {Stopwatch.GetElapsedTime(0, planTicks).TotalMilliseconds / changes:F2} ms");
        Console.WriteLine($"target: CPU per pod change <= 20 ms mean: {(changeCpuMs <= 20 ? "met" : "NOT met")}");
        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB");
        return 0;
    }

    private static TimeSpan CpuTime() => Process.GetCurrentProcess().TotalProcessorTime;
}
