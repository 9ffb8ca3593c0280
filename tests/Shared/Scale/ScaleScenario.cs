using System.Net;
using System.Text.Json.Nodes;

namespace Npa.Tests.Shared.Scale;

/// <summary>
/// The mid-size cluster the controller and agent are measured on (docs: the scale scenario), as the
/// Kubernetes objects an API server would hold, in JSON. Pure and deterministic: the same size gives the
/// same objects, byte for byte, so a small size can stand in for the full one in tests.
/// <list type="bullet">
/// <item>Namespaces <c>scale-000</c>…, labelled <c>team=t&lt;i mod 10&gt;</c> and <c>env=prod</c> (odd i) or <c>dev</c> (even i).</item>
/// <item>Pods <c>p0</c>… per namespace, labelled <c>app=a&lt;p mod 8&gt;</c> and <c>tier=web|api|db</c> (p mod 3), one container
/// with the port <c>http</c> = 8080 + (p mod 3), on node <c>node-&lt;g mod nodes&gt;</c> (g: the pod's global index), Running,
/// host IP <c>10.1.0.&lt;node&gt;</c>, pod IP from 10.200.0.0/16.</item>
/// <item>Services <c>s0</c>… per namespace, selector <c>app=a&lt;s&gt;</c>, port 80 to target port 8080.</item>
/// <item>NetworkPolicies <c>np-j</c> per namespace, cycling through the eight shapes of <see cref="PolicyShape"/> (k = j).</item>
/// <item>The ConfigMap <c>kube-system/amazon-vpc-cni</c> that enables the policy controller.</item>
/// </list>
/// </summary>
public sealed class ScaleScenario
{
    /// <summary>First address of the pod range 10.200.0.0/16 (host part 0 is skipped).</summary>
    private const uint PodRangeBase = (10u << 24) | (200u << 16);

    public ScaleScenario(ScaleSize size)
    {
        ArgumentNullException.ThrowIfNull(size);
        size.Validate();
        Size = size;
    }

    public ScaleSize Size { get; }

    /// <summary>The scenario as measured before the scale work: 100 namespaces, 5,000 pods on 50 nodes, 500 Services, 1,000 policies.</summary>
    public static ScaleScenario Full { get; } = new(new ScaleSize());

    public int PodCount => Size.Namespaces * Size.PodsPerNamespace;

    public static string NamespaceName(int i) => $"scale-{i:D3}";

    public static string NodeName(int node) => $"node-{node}";

    public static string HostIp(int node) => $"10.1.0.{node}";

    public static string Team(int namespaceIndex) => $"t{namespaceIndex % 10}";

    public static bool IsProd(int namespaceIndex) => namespaceIndex % 2 == 1;

    /// <summary>The pod IP of global pod index <paramref name="g"/> (10.200.0.1, 10.200.0.2, …).</summary>
    public static string PodIp(int g)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(g);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(g, 65533);
        uint address = PodRangeBase + (uint)g + 1;
        return new IPAddress([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]).ToString();
    }

    public IEnumerable<JsonObject> Namespaces()
    {
        for (int i = 0; i < Size.Namespaces; i++)
        {
            yield return Namespace(i);
        }
    }

    public IEnumerable<JsonObject> Pods()
    {
        for (int i = 0; i < Size.Namespaces; i++)
        {
            for (int p = 0; p < Size.PodsPerNamespace; p++)
            {
                yield return Pod(i, p);
            }
        }
    }

    public IEnumerable<JsonObject> Services()
    {
        for (int i = 0; i < Size.Namespaces; i++)
        {
            for (int s = 0; s < Size.ServicesPerNamespace; s++)
            {
                yield return Service(i, s);
            }
        }
    }

    public IEnumerable<JsonObject> NetworkPolicies()
    {
        for (int i = 0; i < Size.Namespaces; i++)
        {
            for (int j = 0; j < Size.PoliciesPerNamespace; j++)
            {
                yield return NetworkPolicy(i, j);
            }
        }
    }

    public static JsonObject Namespace(int i)
    {
        string name = NamespaceName(i);
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = new JsonObject
                {
                    // The API server sets this label on every namespace; policies may select by it.
                    ["kubernetes.io/metadata.name"] = name,
                    ["team"] = Team(i),
                    ["env"] = IsProd(i) ? "prod" : "dev",
                },
            },
            ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
            ["status"] = new JsonObject { ["phase"] = "Active" },
        };
    }

    /// <summary>
    /// Pod <c>p&lt;p&gt;</c> of namespace <paramref name="namespaceIndex"/>. A <paramref name="p"/> at or beyond
    /// <see cref="ScaleSize.PodsPerNamespace"/> is a pod the scenario does not start with (one a benchmark adds);
    /// its global index, and so its IP and node, follow on from the last pod of the scenario.
    /// </summary>
    public JsonObject Pod(int namespaceIndex, int p, string? app = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(namespaceIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(namespaceIndex, Size.Namespaces);
        ArgumentOutOfRangeException.ThrowIfNegative(p);
        int g = p < Size.PodsPerNamespace
            ? namespaceIndex * Size.PodsPerNamespace + p
            : PodCount + (p - Size.PodsPerNamespace) * Size.Namespaces + namespaceIndex;
        int node = g % Size.Nodes;
        string ip = PodIp(g);
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["namespace"] = NamespaceName(namespaceIndex),
                ["name"] = $"p{p}",
                ["labels"] = new JsonObject
                {
                    ["app"] = app ?? $"a{p % 8}",
                    ["tier"] = Tiers[p % 3],
                },
            },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = NodeName(node),
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "main",
                    ["image"] = "registry.k8s.io/pause:3.10",
                    ["ports"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "http",
                        ["containerPort"] = 8080 + (p % 3),
                        ["protocol"] = "TCP",
                    }),
                }),
            },
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["hostIP"] = HostIp(node),
                ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = HostIp(node) }),
                ["podIP"] = ip,
                ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip }),
            },
        };
    }

    public static JsonObject Service(int namespaceIndex, int s) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new JsonObject { ["namespace"] = NamespaceName(namespaceIndex), ["name"] = $"s{s}" },
        ["spec"] = new JsonObject
        {
            ["type"] = "ClusterIP",
            ["clusterIP"] = $"172.20.{namespaceIndex}.{s + 10}",
            ["clusterIPs"] = new JsonArray($"172.20.{namespaceIndex}.{s + 10}"),
            ["selector"] = new JsonObject { ["app"] = $"a{s}" },
            ["ports"] = new JsonArray(new JsonObject { ["protocol"] = "TCP", ["port"] = 80, ["targetPort"] = 8080 }),
        },
    };

    /// <summary>Policy <c>np-&lt;j&gt;</c> of namespace <paramref name="namespaceIndex"/>, of shape j mod 8 with k = j.</summary>
    public static JsonObject NetworkPolicy(int namespaceIndex, int j)
    {
        int k = j;
        PolicyShape shape = ShapeOf(j);
        JsonObject spec = shape switch
        {
            PolicyShape.DefaultDenyIngress => new JsonObject
            {
                ["podSelector"] = new JsonObject(),
                ["policyTypes"] = new JsonArray("Ingress"),
            },
            PolicyShape.AppFromApp => new JsonObject
            {
                ["podSelector"] = MatchLabels("app", $"a{k}"),
                ["policyTypes"] = new JsonArray("Ingress"),
                ["ingress"] = new JsonArray(Rule("from",
                    [new JsonObject { ["podSelector"] = MatchLabels("app", $"a{k + 1}") }],
                    [Port("TCP", 8080)])),
            },
            PolicyShape.WebFromOwnTeam => new JsonObject
            {
                ["podSelector"] = MatchLabels("tier", "web"),
                ["policyTypes"] = new JsonArray("Ingress"),
                ["ingress"] = new JsonArray(Rule("from",
                    [new JsonObject { ["namespaceSelector"] = MatchLabels("team", Team(namespaceIndex)) }],
                    [Port("TCP", "http")])),
            },
            PolicyShape.EgressToCidr => new JsonObject
            {
                ["podSelector"] = MatchLabels("app", $"a{k}"),
                ["policyTypes"] = new JsonArray("Egress"),
                ["egress"] = new JsonArray(Rule("to",
                    [new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = "10.0.0.0/8", ["except"] = new JsonArray("10.200.0.0/16") } }],
                    [Port("TCP", 443)])),
            },
            PolicyShape.SetFromNotDb => new JsonObject
            {
                ["podSelector"] = MatchExpression("app", "In", $"a{k}", $"a{k + 2}"),
                ["policyTypes"] = new JsonArray("Ingress"),
                ["ingress"] = new JsonArray(Rule("from",
                    [new JsonObject { ["podSelector"] = MatchExpression("tier", "NotIn", "db") }],
                    [])),
            },
            PolicyShape.EgressToDns => new JsonObject
            {
                ["podSelector"] = MatchLabels("app", $"a{k}"),
                ["policyTypes"] = new JsonArray("Egress"),
                ["egress"] = new JsonArray(Rule("to",
                    [new JsonObject { ["namespaceSelector"] = new JsonObject(), ["podSelector"] = MatchLabels("app", "a0") }],
                    [Port("UDP", 53), Port("TCP", 53)])),
            },
            PolicyShape.DbFromProdWeb => new JsonObject
            {
                ["podSelector"] = MatchLabels("tier", "db"),
                ["policyTypes"] = new JsonArray("Ingress"),
                ["ingress"] = new JsonArray(Rule("from",
                    [new JsonObject { ["namespaceSelector"] = MatchLabels("env", "prod"), ["podSelector"] = MatchLabels("tier", "web") }],
                    [Port("TCP", 5432), Port("TCP", 6000, endPort: 6100)])),
            },
            PolicyShape.AppFromCidrAndNamespace => new JsonObject
            {
                ["podSelector"] = MatchLabels("app", $"a{k}"),
                ["policyTypes"] = new JsonArray("Ingress"),
                ["ingress"] = new JsonArray(Rule("from",
                    [
                        new JsonObject { ["ipBlock"] = new JsonObject { ["cidr"] = "192.168.0.0/16" } },
                        new JsonObject { ["podSelector"] = new JsonObject() },
                    ],
                    [])),
            },
            _ => throw new System.Diagnostics.UnreachableException($"shape {shape}"),
        };

        return new JsonObject
        {
            ["apiVersion"] = "networking.k8s.io/v1",
            ["kind"] = "NetworkPolicy",
            ["metadata"] = new JsonObject { ["namespace"] = NamespaceName(namespaceIndex), ["name"] = $"np-{j}" },
            ["spec"] = spec,
        };
    }

    public static PolicyShape ShapeOf(int j) => (PolicyShape)(j % 8);

    /// <summary>The ConfigMap the controller reads before it runs (<c>--enable-configmap-check</c>).</summary>
    public static JsonObject CniConfigMap() => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["namespace"] = "kube-system", ["name"] = "amazon-vpc-cni" },
        ["data"] = new JsonObject { ["enable-network-policy-controller"] = "true" },
    };

    private static readonly string[] Tiers = ["web", "api", "db"];

    private static JsonObject MatchLabels(string key, string value) =>
        new() { ["matchLabels"] = new JsonObject { [key] = value } };

    private static JsonObject MatchExpression(string key, string op, params string[] values) => new()
    {
        ["matchExpressions"] = new JsonArray(new JsonObject
        {
            ["key"] = key,
            ["operator"] = op,
            ["values"] = new JsonArray([.. values.Select(v => (JsonNode)JsonValue.Create(v))]),
        }),
    };

    private static JsonObject Rule(string peersField, JsonObject[] peers, JsonObject[] ports)
    {
        JsonObject rule = new() { [peersField] = new JsonArray([.. peers]) };
        if (ports.Length > 0)
        {
            rule["ports"] = new JsonArray([.. ports]);
        }

        return rule;
    }

    private static JsonObject Port(string protocol, int port, int? endPort = null)
    {
        JsonObject p = new() { ["protocol"] = protocol, ["port"] = port };
        if (endPort is not null)
        {
            p["endPort"] = endPort.Value;
        }

        return p;
    }

    private static JsonObject Port(string protocol, string namedPort) => new() { ["protocol"] = protocol, ["port"] = namedPort };
}
