using System.Diagnostics;
using System.Globalization;
using Npa.Ingest.Kubernetes.Controller;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Resolver.Selection;

namespace Npa.Benchmarks.ScaleSim;

/// <summary>
/// What PolicyEndpoint distribution costs on a large cluster (docs/distribution.md): for sampled pod
/// adds, deletes and relabels and policy edits, the PolicyEndpoint objects the controller writes and
/// what the API server then sends to the node agents, when every agent watches every PolicyEndpoint
/// (old, as the EKS agent does) and when each watches only those labelled for its node (new), with the
/// label patches the new design adds, and the rejected alternative of one object per policy and node.
/// Args: [nodes=5000] [namespaces=1000] [pods per namespace=150] [policies per namespace=10]
/// [samples per pod event=300] [policy edits=200] [seed=7].
/// </summary>
internal static class ScaleSimBenchmark
{
    public static int Run(string[] args)
    {
        int nodes = Arg(args, 0, 5000);
        int namespaces = Arg(args, 1, 1000);
        int podsPerNamespace = Arg(args, 2, 150);
        int policiesPerNamespace = Arg(args, 3, 10);
        int samples = Arg(args, 4, 300);
        int edits = Arg(args, 5, 200);
        int seed = Arg(args, 6, 7);

        Stopwatch clock = Stopwatch.StartNew();
        SimCluster cluster = SimCluster.Generate(nodes, namespaces, podsPerNamespace, policiesPerNamespace);
        PolicyFacts[] facts = PolicyFacts.Compute(cluster);
        double setupSeconds = clock.Elapsed.TotalSeconds;
        Simulation sim = new(cluster, facts);

        Random random = new(seed);
        Tally add = new("pod add", samples);
        Tally delete = new("pod delete", samples);
        Tally relabel = new("pod relabel (app)", samples);
        Tally edit = new("policy edit (ports)", edits);
        for (int s = 0; s < samples; s++)
        {
            int p = random.Next(podsPerNamespace);
            int g = cluster.Pods.Length + s;
            int node = random.Next(nodes);
            PodInfo created = SimCluster.NewPod(cluster.Namespaces[random.Next(namespaces)].Name, p, g, node);
            add.Add(sim.PodChange(null, created, node, g));

            int gone = random.Next(cluster.Pods.Length);
            delete.Add(sim.PodChange(cluster.Pods[gone], null, cluster.NodeOf[gone], gone));

            int changed = random.Next(cluster.Pods.Length);
            PodInfo before = cluster.Pods[changed];
            int app = int.Parse(before.Labels["app"][1..], CultureInfo.InvariantCulture);
            int tier = Array.IndexOf(["web", "api", "db"], before.Labels["tier"]);
            PodInfo after = before with { Labels = SimCluster.PodLabels((app + 1 + random.Next(7)) % 8, tier) };
            relabel.Add(sim.PodChange(before, after, cluster.NodeOf[changed], changed));
        }

        for (int e = 0; e < edits; e++)
        {
            edit.Add(sim.PolicyEdit(facts[random.Next(facts.Length)]));
        }

        Tally start = new("every agent lists (start)", 1);
        start.Add(sim.AgentsStart());
        double simulateSeconds = clock.Elapsed.TotalSeconds - setupSeconds;

        PrintAssumptions(cluster, facts, nodes, namespaces, podsPerNamespace, policiesPerNamespace, samples, edits, seed, setupSeconds, simulateSeconds);
        PrintModelCheck(podsPerNamespace, policiesPerNamespace);
        PrintStored(facts);
        Tally[] tallies = [add, delete, relabel, edit, start];
        PrintSent(tallies);
        PrintWrites(tallies);
        Tally pods = Tally.Combine("pod events (all three)", add, delete, relabel);
        Console.WriteLine();
        Console.WriteLine($"per agent at start: old {Bytes(start.OldBytes / nodes)} ({start.OldObjects / nodes:N0} objects), new {Bytes(start.NewBytes / nodes)} ({start.NewObjects / nodes:N0} objects) on average");
        Console.WriteLine($"pod events, all three kinds: {Ratio(pods.OldBytes, pods.NewBytes)} less sent to agents " +
            $"({Bytes(pods.OldBytes / pods.Events)} → {Bytes(pods.NewBytes / pods.Events)} per event; at 10 pod events/s: " +
            $"{Bytes(pods.OldBytes / pods.Events * 10)}/s → {Bytes(pods.NewBytes / pods.Events * 10)}/s); target ≥ 50x: {(pods.OldBytes / pods.NewBytes >= 50 ? "met" : "NOT met")}");
        return 0;
    }

    private static void PrintAssumptions(SimCluster cluster, PolicyFacts[] facts, int nodes, int namespaces, int podsPerNamespace, int policiesPerNamespace, int samples, int edits, int seed, double setup, double simulate)
    {
        Console.WriteLine($"scale-sim: {nodes:N0} nodes, {cluster.Pods.Length:N0} pods, {namespaces:N0} namespaces, {facts.Length:N0} policies " +
            $"(generated and measured in {setup:F1} s, simulated in {simulate:F1} s; processors={Environment.ProcessorCount})");
        Console.WriteLine("assumptions:");
        Console.WriteLine($"  cluster: namespaces scale-NNNN (team=t<i mod 10>, env=prod odd / dev even), {podsPerNamespace} pods each (app=a<p mod 8>, tier=web|api|db by p mod 3),");
        Console.WriteLine($"    placed round robin on the nodes by global index ({cluster.Pods.Length / nodes} per node; a namespace's pods on distinct nodes, the widest node sets);");
        Console.WriteLine($"    {policiesPerNamespace} policies per namespace np-j cycling through the scenario's eight shapes (shape j mod 8);");
        int[] shapeNodes = [.. Enumerable.Range(0, 8).Select(s => (int)facts.Where((f, i) => cluster.ShapeOf[i] == s).Average(f => f.NodeCounts.Count))];
        int[] shapeChunks = [.. Enumerable.Range(0, 8).Select(s => (int)facts.Where((f, i) => cluster.ShapeOf[i] == s).Average(f => f.Chunks))];
        Console.WriteLine($"    nodes per policy by shape 0-7: {string.Join(" ", shapeNodes)}; chunks per policy by shape: {string.Join(" ", shapeChunks)}");
        Console.WriteLine($"  selection: the policies' own selectors through PeerMatcher/LabelSelector.Matches (targets and node sets exact, peer counts per selector);");
        Console.WriteLine($"  chunks: {PolicyFacts.ChunkSize} entries per list as the controller writes them; stable assignment: an added entry goes to the last chunk");
        Console.WriteLine("    (a new chunk when full), a removed one leaves its chunk; named port 'http' resolved to 8080 (every tier=web pod's);");
        Console.WriteLine("  object bytes: PolicyEndpointJson.NewObject of each chunk (entry sizes measured on real entries), plus node labels from");
        Console.WriteLine($"    PolicyEndpointNodeLabels.For (new design), plus {PolicyFacts.ServerMetadataBytes} bytes of server metadata (name, uid, resourceVersion,");
        Console.WriteLine($"    timestamps, managedFields; each node label also listed there); a watch event = the whole object + {PolicyFacts.WatchEnvelopeBytes} bytes;");
        Console.WriteLine("  old: every agent watches every PolicyEndpoint; new: an agent watches nodes.npa.io/<node> (and the empty unlabelled slice);");
        Console.WriteLine("    a chunk write reaches the agents whose node label it has before or after (ADDED/MODIFIED/DELETED);");
        Console.WriteLine("    when a policy's node set changes, every chunk of the policy is patched (label patches = the new design's extra writes);");
        Console.WriteLine("  node-sharded (rejected): one object per policy and node with the policy's full rules and that node's pods;");
        Console.WriteLine($"  events: {samples} each of pod add (random namespace, labels and node), delete, relabel (app to another value), and {edits} policy edits");
        Console.WriteLine($"    (a port changed: every chunk rewritten), each judged against the generated cluster (seed {seed}); means per event.");
    }

    /// <summary>
    /// The size model against the real thing on a small cluster of the same generator: a full
    /// resolution (<see cref="ResolverState"/>) and the controller's <see cref="PolicyEndpointBuilder"/>,
    /// serialized with <see cref="PolicyEndpointJson"/>.
    /// </summary>
    private static void PrintModelCheck(int podsPerNamespace, int policiesPerNamespace)
    {
        SimCluster small = SimCluster.Generate(nodes: 200, namespaceCount: 20, podsPerNamespace, policiesPerNamespace);
        PolicyFacts[] modelled = PolicyFacts.Compute(small);
        ResolverState state = ResolverState.FromSnapshot(new ClusterSnapshot(small.Namespaces, small.Pods, small.Policies, []));
        IReadOnlyList<PolicyEndpointSpec> built = PolicyEndpointBuilder.BuildAll(state);
        double builtBytes = built.Sum(spec => (double)System.Text.Encoding.UTF8.GetByteCount(PolicyEndpointJson.NewObject(spec, spec.OwnerUid).ToJsonString()));
        double modelBytes = modelled.Sum(f => f.AllChunkBytes(false) - (double)PolicyFacts.ServerMetadataBytes * f.Chunks);
        int[] builtNodes = [.. built.GroupBy(b => b.PolicyRef).OrderBy(g => g.Key.Namespace, StringComparer.Ordinal).ThenBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g => g.SelectMany(b => b.PodSelectorEndpoints).Select(e => e.HostIp).Distinct().Count())];
        int[] modelNodes = [.. modelled.OrderBy(f => f.Policy.Namespace, StringComparer.Ordinal).ThenBy(f => f.Policy.Name, StringComparer.Ordinal).Select(f => f.NodeCounts.Count)];
        Console.WriteLine();
        Console.WriteLine($"model check on {small.Pods.Length:N0} pods, {small.Policies.Length} policies, 200 nodes (full resolution + PolicyEndpointBuilder + PolicyEndpointJson):");
        Console.WriteLine($"  objects {built.Count:N0} built vs {modelled.Sum(f => f.Chunks):N0} modelled; bytes {Bytes(builtBytes)} vs {Bytes(modelBytes)} ({(modelBytes / builtBytes - 1) * 100:+0.0;-0.0}%); " +
            $"node sets {(builtNodes.SequenceEqual(modelNodes) ? "identical" : "DIFFER")}");
    }

    private static void PrintStored(PolicyFacts[] facts)
    {
        long objects = facts.Sum(f => (long)f.Chunks);
        double oldBytes = facts.Sum(f => f.AllChunkBytes(false));
        double newBytes = facts.Sum(f => f.AllChunkBytes(true));
        long shardObjects = facts.Sum(f => (long)f.NodeCounts.Count * f.RuleChunks);
        double shardBytes = facts.Sum(f => f.AllShardBytes());
        Console.WriteLine();
        Console.WriteLine("PolicyEndpoints stored (etcd)        objects        bytes");
        Console.WriteLine($"  old: unlabelled                {objects,13:N0} {Bytes(oldBytes),12}");
        Console.WriteLine($"  new: node-labelled             {objects,13:N0} {Bytes(newBytes),12}   (+{(newBytes / oldBytes - 1) * 100:F1}% for the labels)");
        Console.WriteLine($"  node-sharded (rejected)        {shardObjects,13:N0} {Bytes(shardBytes),12}   ({shardBytes / oldBytes:F0}x)");
    }

    private static void PrintSent(Tally[] tallies)
    {
        Console.WriteLine();
        Console.WriteLine("sent to agents, mean per event     objects: old          new    ratio |   bytes: old          new    ratio | new: of it label patches");
        foreach (Tally t in tallies)
        {
            Console.WriteLine($"  {$"{t.Name} ({t.Events})",-30} {t.OldObjects / t.Events,14:N0} {t.NewObjects / t.Events,12:N0} {Ratio(t.OldObjects, t.NewObjects),8} | {Bytes(t.OldBytes / t.Events),14} {Bytes(t.NewBytes / t.Events),12} {Ratio(t.OldBytes, t.NewBytes),8} | {Bytes(t.LabelPatchBytes / t.Events),12}");
        }
    }

    private static void PrintWrites(Tally[] tallies)
    {
        Console.WriteLine();
        Console.WriteLine("written by the controller, mean per event   old writes   new writes (label patches)   new bytes/old | node-sharded: writes = objects sent, bytes");
        foreach (Tally t in tallies.Where(t => t.Name != "every agent lists (start)"))
        {
            Console.WriteLine($"  {$"{t.Name} ({t.Events})",-40} {t.OldWrites / t.Events,12:N1} {t.NewWrites / t.Events,12:N1} {$"({t.LabelPatches / t.Events:N1})",14} {t.NewWriteBytes / t.OldWriteBytes,15:F2}x | {t.ShardWrites / t.Events,12:N0} {Bytes(t.ShardBytes / t.Events),12}");
        }
    }

    private static int Arg(string[] args, int index, int fallback) =>
        args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

    private static string Ratio(double old, double @new) => @new <= 0 ? "∞" : $"{old / @new:N0}x";

    internal static string Bytes(double bytes) => bytes switch
    {
        >= 1e12 => $"{bytes / 1e12:F1} TB",
        >= 1e9 => $"{bytes / 1e9:F1} GB",
        >= 1e6 => $"{bytes / 1e6:F1} MB",
        >= 1e3 => $"{bytes / 1e3:F1} kB",
        _ => $"{bytes:F0} B",
    };

    /// <summary>The costs of one event, or of several summed.</summary>
    internal sealed class Tally(string name, int events)
    {
        public string Name { get; } = name;

        public int Events { get; private set; } = events;

        public double OldWrites { get; set; }

        public double OldWriteBytes { get; set; }

        public double OldObjects { get; set; }

        public double OldBytes { get; set; }

        public double NewWrites { get; set; }

        public double LabelPatches { get; set; }

        public double NewWriteBytes { get; set; }

        public double NewObjects { get; set; }

        public double NewBytes { get; set; }

        /// <summary>The part of <see cref="NewBytes"/> that label patches (chunks rewritten only for their labels) send.</summary>
        public double LabelPatchBytes { get; set; }

        public double ShardWrites { get; set; }

        public double ShardBytes { get; set; }

        public void Add(Tally t)
        {
            OldWrites += t.OldWrites;
            OldWriteBytes += t.OldWriteBytes;
            OldObjects += t.OldObjects;
            OldBytes += t.OldBytes;
            NewWrites += t.NewWrites;
            LabelPatches += t.LabelPatches;
            NewWriteBytes += t.NewWriteBytes;
            NewObjects += t.NewObjects;
            NewBytes += t.NewBytes;
            LabelPatchBytes += t.LabelPatchBytes;
            ShardWrites += t.ShardWrites;
            ShardBytes += t.ShardBytes;
        }

        public static Tally Combine(string name, params Tally[] tallies)
        {
            Tally sum = new(name, tallies.Sum(t => t.Events));
            foreach (Tally t in tallies)
            {
                sum.Add(t);
            }

            return sum;
        }
    }

    /// <summary>The cost model over the generated cluster.</summary>
    private sealed class Simulation(SimCluster cluster, PolicyFacts[] facts)
    {
        private const int Envelope = PolicyFacts.WatchEnvelopeBytes;
        private readonly int _nodes = cluster.NodeCount;

        /// <summary>A pod appears (<paramref name="before"/> null), disappears (<paramref name="after"/> null) or changes labels.</summary>
        public Tally PodChange(PodInfo? before, PodInfo? after, int node, int salt)
        {
            Tally cost = new("", 1);
            foreach (PolicyFacts f in facts)
            {
                NetworkPolicySpec policy = f.Policy;
                int targets = Selects(policy, after) - Selects(policy, before);
                int ingress = Peer(f.IngressPodPeers, policy.Namespace, after) - Peer(f.IngressPodPeers, policy.Namespace, before);
                int egress = Peer(f.EgressPodPeers, policy.Namespace, after) - Peer(f.EgressPodPeers, policy.Namespace, before);
                if (targets != 0 || ingress != 0 || egress != 0)
                {
                    Apply(cost, f, targets, ingress, egress, node, salt);
                }
            }

            return cost;
        }

        /// <summary>A port of the policy's rules changes: every chunk is rewritten; the node set stays.</summary>
        public Tally PolicyEdit(PolicyFacts f)
        {
            Tally cost = new("", 1);
            int[] chunks = [.. Enumerable.Range(0, f.Chunks)];
            double oldBytes = chunks.Sum(c => f.ChunkBytes(c, false));
            double newBytes = chunks.Sum(c => f.ChunkBytes(c, true));
            cost.OldWrites = cost.NewWrites = chunks.Length;
            cost.OldWriteBytes = oldBytes;
            cost.NewWriteBytes = newBytes;
            cost.OldObjects = (double)chunks.Length * _nodes;
            cost.OldBytes = (oldBytes + Envelope * chunks.Length) * _nodes;
            cost.NewObjects = (double)chunks.Length * f.NodeCounts.Count;
            cost.NewBytes = (newBytes + Envelope * chunks.Length) * f.NodeCounts.Count;
            cost.ShardWrites = (double)f.NodeCounts.Count * f.RuleChunks;
            cost.ShardBytes = f.NodeCounts.Count * Enumerable.Range(0, f.RuleChunks).Sum(c => f.ShardChunkBytes(c) + Envelope);
            return cost;
        }

        /// <summary>Every agent starts and lists what it watches.</summary>
        public Tally AgentsStart()
        {
            Tally cost = new("", 1);
            foreach (PolicyFacts f in facts)
            {
                cost.OldObjects += (double)f.Chunks * _nodes;
                cost.OldBytes += f.AllChunkBytes(false) * _nodes;
                cost.NewObjects += (double)f.Chunks * f.NodeCounts.Count;
                cost.NewBytes += f.AllChunkBytes(true) * f.NodeCounts.Count;
                cost.ShardWrites += (double)f.NodeCounts.Count * f.RuleChunks;
                cost.ShardBytes += f.AllShardBytes();
            }

            return cost;
        }

        private void Apply(Tally cost, PolicyFacts f, int targets, int ingress, int egress, int node, int salt)
        {
            HashSet<int> touched = [];
            Touch(touched, targets, f.Targets, salt);
            Touch(touched, ingress, f.IngressEntries, salt);
            Touch(touched, egress, f.EgressEntries, salt);
            int chunks = Math.Max(f.Chunks, touched.Max() + 1);
            bool enters = targets > 0 && !f.NodeCounts.ContainsKey(node);
            bool leaves = targets < 0 && f.NodeCounts.GetValueOrDefault(node) == 1;
            int holders = f.NodeCounts.Count;

            double oldBytes = touched.Sum(c => f.ChunkBytes(c, false));
            cost.OldWrites += touched.Count;
            cost.OldWriteBytes += oldBytes;
            cost.OldObjects += (double)touched.Count * _nodes;
            cost.OldBytes += (oldBytes + Envelope * touched.Count) * _nodes;

            // A changed node set relabels every chunk; the agents told are those labelled before or after.
            int[] written = enters || leaves ? [.. Enumerable.Range(0, chunks)] : [.. touched];
            int receivers = holders + (enters ? 1 : 0);
            double newBytes = written.Sum(c => f.ChunkBytes(c, true));
            cost.NewWrites += written.Length;
            cost.LabelPatches += written.Length - touched.Count;
            cost.NewWriteBytes += newBytes;
            cost.NewObjects += (double)written.Length * receivers;
            cost.NewBytes += (newBytes + Envelope * written.Length) * receivers;
            cost.LabelPatchBytes += written.Where(c => !touched.Contains(c)).Sum(c => f.ChunkBytes(c, true) + Envelope) * receivers;

            // Node-sharded: a selected pod touches its node's object; a peer touches one chunk of every node's object.
            if (targets != 0)
            {
                cost.ShardWrites += 1;
                cost.ShardBytes += f.ShardChunkBytes(0) + Envelope;
            }

            if (ingress != 0 || egress != 0)
            {
                int shards = holders + (enters ? 1 : 0) - (leaves ? 1 : 0);
                int chunk = touched.Max();
                cost.ShardWrites += shards;
                cost.ShardBytes += shards * (f.ShardChunkBytes(Math.Min(chunk, f.RuleChunks - 1)) + Envelope);
            }
        }

        /// <summary>The chunk an added entry goes to (the last, or a new one when full) or a removed one leaves.</summary>
        private static void Touch(HashSet<int> touched, int delta, int count, int salt)
        {
            if (delta > 0)
            {
                touched.Add(count / PolicyFacts.ChunkSize);
            }
            else if (delta < 0)
            {
                touched.Add(salt % Math.Max(1, (count + PolicyFacts.ChunkSize - 1) / PolicyFacts.ChunkSize));
            }
        }

        private static int Selects(NetworkPolicySpec policy, PodInfo? pod) =>
            pod is not null && pod.Namespace == policy.Namespace && policy.PodSelector.Matches(pod.Labels) ? 1 : 0;

        private int Peer(PolicyPeer[] peers, string policyNamespace, PodInfo? pod)
        {
            if (pod is null || peers.Length == 0)
            {
                return 0;
            }

            IReadOnlyDictionary<string, string> nsLabels = cluster.NamespaceLabelsOf[pod.Namespace];
            return peers.Any(p => PeerMatcher.SelectsPod(p, policyNamespace, pod, nsLabels)) ? 1 : 0;
        }
    }
}
