using System.Text;
using Npa.Ingest.Kubernetes;
using Npa.Ingest.Kubernetes.Controller;
using Npa.Resolver.Model;
using Npa.Resolver.Selection;

namespace Npa.Benchmarks.ScaleSim;

/// <summary>
/// What the distribution of one policy's PolicyEndpoints depends on, computed from its selectors
/// without a full resolution: the pods it selects and their nodes, the number of ingress and egress
/// entries, and the bytes of each chunk the controller writes, measured with the controller's own
/// serializer (<see cref="PolicyEndpointJson"/>) and label scheme (<see cref="PolicyEndpointNodeLabels"/>).
/// </summary>
internal sealed class PolicyFacts
{
    public const int ChunkSize = 200;

    /// <summary>
    /// Metadata the API server adds to every object it stores and sends: name, uid, resourceVersion,
    /// generation, creationTimestamp (≈155 bytes) and one managedFields entry of the controller (≈600
    /// bytes without the node labels; each label adds its key + 8 bytes there).
    /// </summary>
    public const int ServerMetadataBytes = 755;

    /// <summary><c>{"type":"MODIFIED","object":</c>, the closing brace and the newline of a watch event.</summary>
    public const int WatchEnvelopeBytes = 30;

    private PolicyFacts(NetworkPolicySpec policy)
    {
        Policy = policy;
    }

    public NetworkPolicySpec Policy { get; }

    /// <summary>Pod peers (namespaceSelector/podSelector) of the ingress and egress rules.</summary>
    public PolicyPeer[] IngressPodPeers { get; private set; } = [];

    public PolicyPeer[] EgressPodPeers { get; private set; } = [];

    public int Targets { get; set; }

    /// <summary>Per node index: how many of the policy's selected pods run there (the node label set).</summary>
    public Dictionary<int, int> NodeCounts { get; } = [];

    public int IngressEntries { get; set; }

    public int EgressEntries { get; set; }

    /// <summary>Bytes of an object of this policy with empty lists and no node labels, server metadata included.</summary>
    public int FrameBytes { get; private set; }

    /// <summary>Bytes the node-scoped labels add to each chunk (labels and their managedFields entries).</summary>
    public int NodeLabelBytes { get; private set; }

    private double _targetEntryBytes;
    private double _ingressEntryBytes;
    private double _egressEntryBytes;
    private double _ingressFixedBytes;
    private double _egressFixedBytes;
    private int _ingressFixedEntries;
    private int _egressFixedEntries;

    public int Chunks => Math.Max(1, CeilDiv(Math.Max(Targets, Math.Max(IngressEntries, EgressEntries)), ChunkSize));

    /// <summary>Chunks of a node-sharded object of this policy: its rules in full, one node's pods.</summary>
    public int RuleChunks => Math.Max(1, CeilDiv(Math.Max(IngressEntries, EgressEntries), ChunkSize));

    /// <summary>Bytes of chunk <paramref name="index"/>, as written with or without node labels.</summary>
    public double ChunkBytes(int index, bool nodeLabels) =>
        FrameBytes + (nodeLabels ? NodeLabelBytes : 0) +
        ListBytes(Targets, index, _targetEntryBytes, 0, 0, keyBytes: 25) +
        ListBytes(IngressEntries, index, _ingressEntryBytes, _ingressFixedEntries, _ingressFixedBytes, keyBytes: 0) +
        ListBytes(EgressEntries, index, _egressEntryBytes, _egressFixedEntries, _egressFixedBytes, keyBytes: 0);

    /// <summary>Bytes of rule chunk <paramref name="index"/> of the object sharded for one node (that node's pod, one node label).</summary>
    public double ShardChunkBytes(int index) =>
        FrameBytes + (NodeCounts.Count == 0 ? 0 : NodeLabelBytes / (double)NodeCounts.Count) +
        (index == 0 ? 25 + _targetEntryBytes : 0) +
        ListBytes(IngressEntries, index, _ingressEntryBytes, _ingressFixedEntries, _ingressFixedBytes, keyBytes: 0) +
        ListBytes(EgressEntries, index, _egressEntryBytes, _egressFixedEntries, _egressFixedBytes, keyBytes: 0);

    public double AllChunkBytes(bool nodeLabels) => Enumerable.Range(0, Chunks).Sum(i => ChunkBytes(i, nodeLabels));

    public double AllShardBytes() => NodeCounts.Count * Enumerable.Range(0, RuleChunks).Sum(ShardChunkBytes);

    /// <summary>The facts of every policy of <paramref name="cluster"/>.</summary>
    public static PolicyFacts[] Compute(SimCluster cluster)
    {
        // Every namespace holds the same mix of pod label sets, so a peer's pod count is the number of
        // namespaces it admits times the pods per namespace its podSelector matches (memoised per selector).
        int perNamespace = cluster.PodsPerNamespace;
        (IReadOnlyDictionary<string, string> Labels, int Count)[] mix = [.. cluster.Pods.Take(perNamespace)
            .GroupBy(p => p.Labels)
            .Select(g => (g.Key, g.Count()))];
        Dictionary<string, int> peerCounts = new(StringComparer.Ordinal);
        int PeerPods(PolicyPeer peer, string ns)
        {
            string key = $"{(peer.NamespaceSelector is null ? "own " + ns : Describe(peer.NamespaceSelector))}|{Describe(peer.PodSelector)}";
            if (!peerCounts.TryGetValue(key, out int count))
            {
                int namespaces = cluster.Namespaces.Count(n => PeerMatcher.AdmitsNamespace(peer, ns, n.Name, cluster.NamespaceLabelsOf[n.Name]));
                int pods = mix.Where(m => peer.PodSelector is null || peer.PodSelector.Matches(m.Labels)).Sum(m => m.Count);
                count = namespaces * pods;
                peerCounts[key] = count;
            }

            return count;
        }

        PolicyFacts[] facts = new PolicyFacts[cluster.Policies.Length];
        for (int index = 0; index < facts.Length; index++)
        {
            NetworkPolicySpec policy = cluster.Policies[index];
            PolicyFacts f = new(policy)
            {
                IngressPodPeers = [.. policy.Ingress.SelectMany(r => r.Peers).Where(p => p.IpBlock is null)],
                EgressPodPeers = [.. policy.Egress.SelectMany(r => r.Peers).Where(p => p.IpBlock is null)],
            };
            int first = cluster.NamespaceIndex[policy.Namespace] * perNamespace;
            PodInfo? sample = null;
            for (int g = first; g < first + perNamespace; g++)
            {
                if (policy.PodSelector.Matches(cluster.Pods[g].Labels))
                {
                    sample ??= cluster.Pods[g];
                    f.Targets++;
                    f.NodeCounts[cluster.NodeOf[g]] = f.NodeCounts.GetValueOrDefault(cluster.NodeOf[g]) + 1;
                }
            }

            f.IngressEntries = f.IngressPodPeers.Sum(p => PeerPods(p, policy.Namespace));
            f.EgressEntries = f.EgressPodPeers.Sum(p => PeerPods(p, policy.Namespace));
            f.Measure(sample ?? cluster.Pods[first]);
            facts[index] = f;
        }

        return facts;
    }

    /// <summary>
    /// Sizes from the real serializer: an empty object, one list entry of each kind (a peer pod's
    /// address with the rule's ports, a pod endpoint, each ipBlock), and the node labels of the
    /// policy's current node set.
    /// </summary>
    private void Measure(PodInfo sample)
    {
        List<Direction> isolation = [];
        if ((Policy.PolicyTypes & PolicyTypes.Ingress) != 0)
        {
            isolation.Add(Direction.Ingress);
        }

        if ((Policy.PolicyTypes & PolicyTypes.Egress) != 0)
        {
            isolation.Add(Direction.Egress);
        }

        PolicyEndpointSpec empty = new(Policy.Namespace, "", Policy.Name + "-", new PolicyReference(Policy.Name, Policy.Namespace), Policy.PodSelector, isolation, [], [], []);
        int emptyBytes = Bytes(empty);
        FrameBytes = emptyBytes + ServerMetadataBytes;

        PodEndpoint endpoint = new(sample.HostIp ?? "", sample.Ips[0].ToString(), sample.Name, sample.Namespace);
        _targetEntryBytes = Bytes(empty with { PodSelectorEndpoints = [endpoint, endpoint] }) - Bytes(empty with { PodSelectorEndpoints = [endpoint] });

        (_ingressEntryBytes, _ingressFixedEntries, _ingressFixedBytes) = RuleEntries(Policy.Ingress, empty, sample, ingress: true);
        (_egressEntryBytes, _egressFixedEntries, _egressFixedBytes) = RuleEntries(Policy.Egress, empty, sample, ingress: false);
        IngressEntries += _ingressFixedEntries;
        EgressEntries += _egressFixedEntries;

        // The labels the controller writes (PolicyEndpointNodeLabels.For), measured on the real object.
        IEnumerable<string> nodes = NodeCounts.Keys.Select(SimCluster.NodeName);
        string labelled = WithLabels(empty, PolicyEndpointNodeLabels.For(nodes));
        string unlabelled = WithLabels(empty, new Dictionary<string, string>());
        int managedFields = NodeCounts.Keys.Sum(n => PolicyEndpointNodeLabels.NodeKey(SimCluster.NodeName(n)).Length + 8) + PolicyEndpointNodeLabels.Marker.Length + 8;
        NodeLabelBytes = Encoding.UTF8.GetByteCount(labelled) - Encoding.UTF8.GetByteCount(unlabelled) + managedFields;
    }

    /// <summary>Mean bytes of a pod-peer entry (with its separator), and the count and bytes of the ipBlock entries.</summary>
    private static (double PodEntry, int FixedEntries, double FixedBytes) RuleEntries(IReadOnlyList<PolicyRule> rules, PolicyEndpointSpec empty, PodInfo sample, bool ingress)
    {
        double podEntry = 0;
        int fixedEntries = 0;
        double fixedBytes = 0;
        int baseBytes = Bytes(empty);
        foreach (PolicyRule rule in rules)
        {
            EndpointPort[] ports = [.. rule.Ports.Select(p => new EndpointPort(p.Protocol, p.Port ?? (p.NamedPort is null ? null : 8080), p.EndPort))];
            foreach (PolicyPeer peer in rule.Peers)
            {
                EndpointInfo entry = peer.IpBlock is { } block
                    ? new EndpointInfo(block.Cidr.ToString(), [.. block.Except.Select(e => e.ToString())], ports)
                    : new EndpointInfo(sample.Ips[0].ToString(), [], ports);
                int bytes = Bytes(ingress ? empty with { Ingress = [entry] } : empty with { Egress = [entry] }) - baseBytes + 1;
                if (peer.IpBlock is null)
                {
                    podEntry = bytes;
                }
                else
                {
                    fixedEntries++;
                    fixedBytes += bytes;
                }
            }
        }

        return (podEntry, fixedEntries, fixedBytes);
    }

    /// <summary>Bytes of chunk <paramref name="index"/>'s share of a list of <paramref name="count"/> entries.</summary>
    private static double ListBytes(int count, int index, double entryBytes, int fixedEntries, double fixedBytes, int keyBytes)
    {
        int inChunk = Math.Clamp(count - index * ChunkSize, 0, ChunkSize);
        if (inChunk == 0)
        {
            return 0;
        }

        double mean = count == 0 ? 0 : ((count - fixedEntries) * entryBytes + fixedBytes) / count;
        return keyBytes + inChunk * mean;
    }

    private static int Bytes(PolicyEndpointSpec spec) =>
        Encoding.UTF8.GetByteCount(PolicyEndpointJson.NewObject(spec, "3f1c2a9e-8d4b-4c1e-9a7f-0b5d6e2c1a90").ToJsonString());

    private static string WithLabels(PolicyEndpointSpec spec, IDictionary<string, string> labels)
    {
        System.Text.Json.Nodes.JsonObject obj = PolicyEndpointJson.NewObject(spec, "3f1c2a9e-8d4b-4c1e-9a7f-0b5d6e2c1a90");
        System.Text.Json.Nodes.JsonObject meta = obj["metadata"]!.AsObject();
        System.Text.Json.Nodes.JsonObject existing = meta["labels"] as System.Text.Json.Nodes.JsonObject ?? [];
        meta["labels"] = existing;
        foreach ((string key, string value) in labels)
        {
            existing[key] = value;
        }

        return obj.ToJsonString();
    }

    private static string Describe(LabelSelector? selector) =>
        selector is null ? "-" :
        string.Join(",", selector.MatchLabels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")) + ";" +
        string.Join(",", selector.MatchExpressions.Select(e => $"{e.Key} {e.Operator} ({string.Join(",", e.Values)})"));

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
