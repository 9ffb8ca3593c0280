using System.Text.Json.Nodes;

namespace Npa.Ingest.Tests.Kubernetes.FakeApiServer;

/// <summary>Minimal API objects as JSON, and the collection paths the fake server stores them under.</summary>
public static class KubeObjects
{
    public const string Pods = "api/v1/pods";
    public const string Namespaces = "api/v1/namespaces";
    public const string NetworkPolicies = "apis/networking.k8s.io/v1/networkpolicies";
    public const string PolicyEndpoints = "apis/networking.k8s.aws/v1alpha1/policyendpoints";

    public static JsonObject Pod(string ns, string name, string ip, string node = "node-1", string hostIp = "10.0.0.1", string app = "web") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["namespace"] = ns, ["name"] = name, ["labels"] = new JsonObject { ["app"] = app } },
        ["spec"] = new JsonObject
        {
            ["nodeName"] = node,
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = "main",
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 8080 }),
            }),
        },
        ["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["hostIP"] = hostIp,
            ["podIP"] = ip,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip }),
        },
    };

    public static JsonObject Namespace(string name, string team = "a") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Namespace",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["team"] = team } },
    };

    public static JsonObject Policy(string ns, string name, int port, int? endPort = null)
    {
        JsonObject p = new() { ["protocol"] = "TCP", ["port"] = port };
        if (endPort is not null)
        {
            p["endPort"] = endPort.Value;
        }

        return new JsonObject
        {
            ["apiVersion"] = "networking.k8s.io/v1",
            ["kind"] = "NetworkPolicy",
            ["metadata"] = new JsonObject { ["namespace"] = ns, ["name"] = name },
            ["spec"] = new JsonObject
            {
                ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } },
                ["ingress"] = new JsonArray(new JsonObject { ["ports"] = new JsonArray(p) }),
            },
        };
    }

    public static JsonObject PolicyEndpoint(string ns, string name, string policy, params (string Name, string Ip, string HostIp)[] pods) => new()
    {
        ["apiVersion"] = "networking.k8s.aws/v1alpha1",
        ["kind"] = "PolicyEndpoint",
        ["metadata"] = new JsonObject { ["namespace"] = ns, ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["policyRef"] = new JsonObject { ["name"] = policy, ["namespace"] = ns },
            ["podIsolation"] = new JsonArray("Ingress"),
            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } },
            ["podSelectorEndpoints"] = new JsonArray([.. pods.Select(p => (JsonNode)new JsonObject
            {
                ["hostIP"] = p.HostIp,
                ["podIP"] = p.Ip,
                ["name"] = p.Name,
                ["namespace"] = ns,
            })]),
            ["ingress"] = new JsonArray(new JsonObject { ["cidr"] = "192.168.0.0/16" }),
        },
    };

    /// <summary>A PolicyEndpoint as a node-scoping controller labels it: the marker and one label per node.</summary>
    public static JsonObject NodeScoped(JsonObject policyEndpoint, params string[] nodes) =>
        WithLabels(policyEndpoint, Npa.Ingest.Kubernetes.PolicyEndpointNodeLabels.For(nodes));

    /// <summary>A copy of <paramref name="obj"/> whose metadata.labels are exactly <paramref name="labels"/>.</summary>
    public static JsonObject WithLabels(JsonObject obj, IEnumerable<KeyValuePair<string, string>> labels)
    {
        JsonObject copy = obj.DeepClone().AsObject();
        copy["metadata"]!["labels"] = new JsonObject([.. labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))]);
        return copy;
    }

    public static k8s.Kubernetes Client(FakeApiServer server) =>
        new(new k8s.KubernetesClientConfiguration { Host = server.BaseUri.ToString() });
}
