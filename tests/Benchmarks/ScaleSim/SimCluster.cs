using System.Net;
using Npa.Resolver.Model;
using Npa.Resolver.Selection;

namespace Npa.Benchmarks.ScaleSim;

/// <summary>
/// The scale scenario (docs/distribution.md, "Figures") grown to a large cluster: namespaces
/// <c>scale-NNNN</c> labelled <c>team=t(i mod 10)</c> and <c>env=prod</c> (odd) / <c>dev</c> (even);
/// pods <c>p</c> of each labelled <c>app=a(p mod 8)</c>, <c>tier=web|api|db</c> (p mod 3), placed
/// round robin on the nodes by global index (so a namespace's pods sit on distinct nodes: the widest
/// node sets, the hardest case for node-scoped distribution); and per namespace the policies
/// <c>np-j</c> cycling through the scenario's eight shapes.
/// </summary>
internal sealed class SimCluster
{
    private static readonly string[] Tiers = ["web", "api", "db"];

    private SimCluster(int nodes, NamespaceInfo[] namespaces, PodInfo[] pods, int[] nodeOf, NetworkPolicySpec[] policies, int[] shapeOf)
    {
        NodeCount = nodes;
        Namespaces = namespaces;
        Pods = pods;
        NodeOf = nodeOf;
        Policies = policies;
        ShapeOf = shapeOf;
        NamespaceLabelsOf = namespaces.ToDictionary(n => n.Name, n => NamespaceLabels.Effective(n.Name, n.Labels), StringComparer.Ordinal);
        NamespaceIndex = namespaces.Select((n, i) => (n.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
    }

    public int NodeCount { get; }

    public NamespaceInfo[] Namespaces { get; }

    public PodInfo[] Pods { get; }

    /// <summary>The node index of each pod.</summary>
    public int[] NodeOf { get; }

    public NetworkPolicySpec[] Policies { get; }

    /// <summary>Which of the eight shapes each policy has.</summary>
    public int[] ShapeOf { get; }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> NamespaceLabelsOf { get; }

    public IReadOnlyDictionary<string, int> NamespaceIndex { get; }

    public int PodsPerNamespace => Pods.Length / Namespaces.Length;

    public static string NodeName(int node) => $"ip-10-{node / 250}-{node % 250}-7.ec2.internal";

    /// <summary>The labels of pod number <paramref name="p"/> of a namespace (one shared dictionary per combination).</summary>
    public static IReadOnlyDictionary<string, string> PodLabels(int app, int tier) => LabelSets[app * 3 + tier];

    private static readonly Dictionary<string, string>[] LabelSets =
        [.. Enumerable.Range(0, 24).Select(i => new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = $"a{i / 3}", ["tier"] = Tiers[i % 3] })];

    public static SimCluster Generate(int nodes, int namespaceCount, int podsPerNamespace, int policiesPerNamespace)
    {
        NamespaceInfo[] namespaces = new NamespaceInfo[namespaceCount];
        for (int i = 0; i < namespaceCount; i++)
        {
            namespaces[i] = new NamespaceInfo($"scale-{i:D4}", new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["team"] = $"t{i % 10}",
                ["env"] = i % 2 == 1 ? "prod" : "dev",
            });
        }

        PodInfo[] pods = new PodInfo[namespaceCount * podsPerNamespace];
        int[] nodeOf = new int[pods.Length];
        for (int g = 0; g < pods.Length; g++)
        {
            int i = g / podsPerNamespace;
            int p = g % podsPerNamespace;
            nodeOf[g] = g % nodes;
            pods[g] = NewPod(namespaces[i].Name, p, g, nodeOf[g]);
        }

        NetworkPolicySpec[] policies = new NetworkPolicySpec[namespaceCount * policiesPerNamespace];
        int[] shapeOf = new int[policies.Length];
        for (int i = 0; i < namespaceCount; i++)
        {
            for (int j = 0; j < policiesPerNamespace; j++)
            {
                int index = i * policiesPerNamespace + j;
                shapeOf[index] = j % 8;
                policies[index] = Shape(namespaces[i].Name, $"t{i % 10}", j, j % 8) with { Uid = $"{Guid.NewGuid()}" };
            }
        }

        return new SimCluster(nodes, namespaces, pods, nodeOf, policies, shapeOf);
    }

    /// <summary>Pod <paramref name="p"/> of a namespace, global index <paramref name="g"/>, on node <paramref name="node"/>.</summary>
    public static PodInfo NewPod(string ns, int p, int g, int node) =>
        new(ns, $"a{p % 8}-{Tiers[p % 3]}-7c9f5d8b6-{g:x5}", PodLabels(p % 8, p % 3),
            [new IPAddress([10, (byte)(100 + (g >> 16)), (byte)(g >> 8), (byte)g])],
            [new ContainerPort("http", 8080 + (p % 3), Protocol.Tcp)])
        {
            NodeName = NodeName(node),
            HostIp = $"10.{node / 250}.{node % 250}.7",
        };

    private static NetworkPolicySpec Shape(string ns, string team, int k, int shape)
    {
        static LabelSelector Is(string key, string value) => new(new Dictionary<string, string>(StringComparer.Ordinal) { [key] = value }, []);
        static LabelSelector Expr(string key, SelectorOperator op, params string[] values) => new(new Dictionary<string, string>(), [new SelectorRequirement(key, op, values)]);
        static PolicyPort Tcp(int port, int? end = null) => new(Protocol.Tcp, port, null, end);
        string app = $"a{k % 8}";
        string name = $"np-{k}";
        return shape switch
        {
            0 => new NetworkPolicySpec(ns, name, LabelSelector.Everything, PolicyTypes.Ingress, [], []),
            1 => new NetworkPolicySpec(ns, name, Is("app", app), PolicyTypes.Ingress,
                [new PolicyRule([new PolicyPeer(Is("app", $"a{(k + 1) % 8}"), null, null)], [Tcp(8080)])], []),
            2 => new NetworkPolicySpec(ns, name, Is("tier", "web"), PolicyTypes.Ingress,
                [new PolicyRule([new PolicyPeer(null, Is("team", team), null)], [new PolicyPort(Protocol.Tcp, null, "http", null)])], []),
            3 => new NetworkPolicySpec(ns, name, Is("app", app), PolicyTypes.Egress, [],
                [new PolicyRule([new PolicyPeer(null, null, new IpBlock(IpPrefix.Parse("10.0.0.0/8"), [IpPrefix.Parse("10.200.0.0/16")]))], [Tcp(443)])]),
            4 => new NetworkPolicySpec(ns, name, Expr("app", SelectorOperator.In, app, $"a{(k + 2) % 8}"), PolicyTypes.Ingress,
                [new PolicyRule([new PolicyPeer(Expr("tier", SelectorOperator.NotIn, "db"), null, null)], [])], []),
            5 => new NetworkPolicySpec(ns, name, Is("app", app), PolicyTypes.Egress, [],
                [new PolicyRule([new PolicyPeer(Is("app", "a0"), LabelSelector.Everything, null)], [new PolicyPort(Protocol.Udp, 53, null, null), Tcp(53)])]),
            6 => new NetworkPolicySpec(ns, name, Is("tier", "db"), PolicyTypes.Ingress,
                [new PolicyRule([new PolicyPeer(Is("tier", "web"), Is("env", "prod"), null)], [Tcp(5432), Tcp(6000, 6100)])], []),
            _ => new NetworkPolicySpec(ns, name, Is("app", app), PolicyTypes.Ingress,
                [new PolicyRule([new PolicyPeer(null, null, new IpBlock(IpPrefix.Parse("192.168.0.0/16"), [])), new PolicyPeer(LabelSelector.Everything, null, null)], [])], []),
        };
    }
}
