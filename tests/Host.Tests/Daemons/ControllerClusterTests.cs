using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Npa.Host.Daemons;
using Npa.Host.Options;
using Npa.Ingest.Kubernetes;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Ingest.Translation;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Tests.Shared;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Host.Tests.Daemons;

/// <summary>
/// The shipped controller (its composition, informers, resolver and writer) against an in-process API
/// server: it never publishes from partial state, a restart or a leader change on a converged cluster
/// writes nothing, and a slow or broken pod list never makes a PolicyEndpoint lose a pod.
/// </summary>
public sealed class ControllerClusterTests
{
    private const int Namespaces = 3;
    private const int PodsPerNamespace = 220; // 660 pods: two list pages of 500, and PolicyEndpoints of several chunks

    [Fact]
    public async Task BeforeEveryFirstList_NoPolicyEndpointIsWritten_ThenEachPolicysObjectsNameExactlyItsPods()
    {
        await using Server server = await Populated();
        server.SlowLists(KubeObjects.PolicyEndpoints, TimeSpan.FromSeconds(2));
        await using RunningController controller = await RunningController.StartAsync(server, "a");

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Empty(Writes(server));

        await WaitConvergedAsync(server, "a fresh controller");
        IReadOnlyList<RecordedRequest> writes = Writes(server);
        Assert.NotEmpty(writes);
        Assert.All(writes, w => Assert.Equal("POST", w.Method));
        // Chunking: the web policies select 110 pods per namespace (chunk size 50 here): three objects each.
        Assert.Equal(3, server.Objects(KubeObjects.PolicyEndpoints).Count(o => PolicyOf(o) == ("ns-0", "web-from-api")));
    }

    [Fact]
    public async Task ARestartOnAConvergedCluster_WritesNothing_EvenWhenThePodListIsSlowAndBreaksPartWay()
    {
        await using Server server = await Populated();
        await using (RunningController first = await RunningController.StartAsync(server, "a"))
        {
            await WaitConvergedAsync(server, "the first controller");
        }

        int before = Writes(server).Count;
        server.SlowLists(KubeObjects.Pods, TimeSpan.FromMilliseconds(700));
        server.FailContinuedPages(KubeObjects.Pods, 2);
        await using RunningController second = await RunningController.StartAsync(server, "b");

        // Let the second controller list everything (slowly, with two broken attempts) and check every policy.
        Assert.True(await Poll.UntilAsync(() => server.Requests.Count(r => r.Path.EndsWith("/pods", StringComparison.Ordinal) && r.Query.Contains("continue", StringComparison.Ordinal)) >= 3,
            TimeSpan.FromMilliseconds(50)),
            "the pod list never got past its broken pages");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(before, Writes(server).Count);

        // It is live: a new pod reaches its policies' objects with one patch per policy, nothing else.
        server.Upsert(KubeObjects.Pods, WebPod("ns-1", "late", "10.50.9.9", "node-2"));
        await WaitConvergedAsync(server, "the new pod");
        IReadOnlyList<RecordedRequest> after = [.. Writes(server).Skip(before)];
        Assert.All(after, w => Assert.Equal("PATCH", w.Method));
        Assert.InRange(after.Count, 1, 2); // web-from-api selects it; api-to-web-egress names it as a peer
    }

    [Fact]
    public async Task ALeaderChangeOnAConvergedCluster_WritesNothing_AndTheNewLeaderKeepsUp()
    {
        await using Server server = await Populated();
        RunningController a = await RunningController.StartAsync(server, "a", leaderElect: true);
        await using RunningController b = await RunningController.StartAsync(server, "b", leaderElect: true);
        await WaitConvergedAsync(server, "the first leader");
        await Task.Delay(TimeSpan.FromSeconds(1));
        int before = Writes(server).Count;

        await a.DisposeAsync(); // the standby takes the lease once it expires
        Assert.True(await Poll.UntilAsync(() => LeaseHolder(server) == "b", TimeSpan.FromMilliseconds(50)), "the standby never took the lease");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(before, Writes(server).Count);

        server.Delete(KubeObjects.Pods, "ns-2", "p3"); // p3 is an api pod: a peer of ns-2's egress policy
        await WaitConvergedAsync(server, "a deleted pod under the new leader");
        Assert.InRange(Writes(server).Count - before, 1, 2);
    }

    [Fact]
    public async Task AnObjectDeletedByHand_IsWrittenAgain_AndOneOfADeletedPolicyGoes()
    {
        await using Server server = await Populated();
        await using RunningController controller = await RunningController.StartAsync(server, "a");
        await WaitConvergedAsync(server, "a fresh controller");

        JsonObject victim = server.Objects(KubeObjects.PolicyEndpoints).First(o => PolicyOf(o) == ("ns-0", "web-from-api"));
        server.Delete(KubeObjects.PolicyEndpoints, "ns-0", (string)victim["metadata"]!["name"]!);
        server.Delete("apis/networking.k8s.io/v1/networkpolicies", "ns-1", "web-from-api");
        await WaitConvergedAsync(server, "the object deleted by hand and the deleted policy");
        Assert.DoesNotContain(server.Objects(KubeObjects.PolicyEndpoints), o => PolicyOf(o) == ("ns-1", "web-from-api"));
    }

    [Fact]
    public async Task PolicyEndpoints_CarryTheNodesOfTheirPods_SoAgentsCanWatchOnlyTheirNodesObjects()
    {
        await using Server server = await Populated();
        await using RunningController controller = await RunningController.StartAsync(server, "a");
        await WaitConvergedAsync(server, "a fresh controller");

        foreach (JsonObject pe in server.Objects(KubeObjects.PolicyEndpoints).Where(o => PolicyOf(o) == ("ns-0", "web-from-api")))
        {
            JsonObject labels = (JsonObject)pe["metadata"]!["labels"]!;
            Assert.Equal("true", (string?)labels[PolicyEndpointNodeLabels.Marker]);
            Assert.Equal(
                [PolicyEndpointNodeLabels.NodeKey("node-0"), PolicyEndpointNodeLabels.NodeKey("node-1"), PolicyEndpointNodeLabels.NodeKey("node-2")],
                labels.Select(kv => kv.Key).Where(k => k.StartsWith(PolicyEndpointNodeLabels.NodePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        }

        // The last web pod of ns-0 on node-2 goes: node-2's label leaves every object of the policy.
        foreach (JsonObject pod in server.Objects(KubeObjects.Pods).Where(p => (string?)p["metadata"]!["namespace"] == "ns-0" &&
            (string?)p["spec"]!["nodeName"] == "node-2" && (string?)p["metadata"]!["labels"]!["app"] == "web").ToList())
        {
            server.Delete(KubeObjects.Pods, "ns-0", (string)pod["metadata"]!["name"]!);
        }

        await WaitConvergedAsync(server, "the deleted pods");
        Assert.All(server.Objects(KubeObjects.PolicyEndpoints).Where(o => PolicyOf(o) == ("ns-0", "web-from-api")),
            pe => Assert.Null(pe["metadata"]!["labels"]![PolicyEndpointNodeLabels.NodeKey("node-2")]));
    }

    private static async Task<Server> Populated()
    {
        Server server = await Server.StartAsync();
        for (int n = 0; n < Namespaces; n++)
        {
            string ns = $"ns-{n}";
            server.Upsert(KubeObjects.Namespaces, KubeObjects.Namespace(ns));
            for (int p = 0; p < PodsPerNamespace; p++)
            {
                string ip = $"10.{10 + n}.{p / 200}.{(p % 200) + 1}";
                server.Upsert(KubeObjects.Pods, KubeObjects.Pod(ns, $"p{p}", ip, node: $"node-{p % 3}", hostIp: $"10.1.0.{p % 3}", app: p % 2 == 0 ? "web" : "api"));
            }

            server.Upsert("apis/networking.k8s.io/v1/networkpolicies", IngressFrom(ns, "web-from-api", "web", "api", 8080));
            server.Upsert("apis/networking.k8s.io/v1/networkpolicies", EgressTo(ns, "api-to-web-egress", "api", "web", 8080));
        }

        return server;
    }

    private static JsonObject WebPod(string ns, string name, string ip, string node) =>
        KubeObjects.Pod(ns, name, ip, node: node, hostIp: "10.1.0.9", app: "web");

    internal static JsonObject IngressFrom(string ns, string name, string target, string peer, int port) => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "NetworkPolicy",
        ["metadata"] = new JsonObject { ["namespace"] = ns, ["name"] = name, ["uid"] = $"uid-{ns}-{name}" },
        ["spec"] = new JsonObject
        {
            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = target } },
            ["ingress"] = new JsonArray(new JsonObject
            {
                ["from"] = new JsonArray(new JsonObject { ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = peer } } }),
                ["ports"] = new JsonArray(new JsonObject { ["protocol"] = "TCP", ["port"] = port }),
            }),
        },
    };

    internal static JsonObject EgressTo(string ns, string name, string target, string peer, int port) => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "NetworkPolicy",
        ["metadata"] = new JsonObject { ["namespace"] = ns, ["name"] = name, ["uid"] = $"uid-{ns}-{name}" },
        ["spec"] = new JsonObject
        {
            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = target } },
            ["policyTypes"] = new JsonArray("Egress"),
            ["egress"] = new JsonArray(new JsonObject
            {
                ["to"] = new JsonArray(new JsonObject { ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = peer } } }),
                ["ports"] = new JsonArray(new JsonObject { ["protocol"] = "TCP", ["port"] = port }),
            }),
        },
    };

    private static (string Namespace, string Name) PolicyOf(JsonObject pe) =>
        ((string?)pe["spec"]?["policyRef"]?["namespace"] ?? "", (string?)pe["spec"]?["policyRef"]?["name"] ?? "");

    private static IReadOnlyList<RecordedRequest> Writes(Server server) =>
        [.. server.Requests.Where(r => r.Path.Contains("/policyendpoints", StringComparison.Ordinal) && r.Method is "POST" or "PATCH" or "DELETE" or "PUT")];

    private static string? LeaseHolder(Server server) =>
        server.Objects("apis/coordination.k8s.io/v1/leases").Select(l => (string?)l["spec"]?["holderIdentity"]).FirstOrDefault();

    /// <summary>Waits until the server's PolicyEndpoints, joined per policy, equal a fresh resolution of its objects.</summary>
    private static async Task WaitConvergedAsync(Server server, string what)
    {
        string last = "";
        bool converged = await Poll.UntilAsync(() => (last = Mismatch(server)).Length == 0, TimeSpan.FromMilliseconds(200));
        Assert.True(converged, $"after {what}, the PolicyEndpoints never matched a fresh resolution: {last}");
    }

    private static string Mismatch(Server server)
    {
        // As a client reads them: parsed from the wire.
        static JsonObject Wire(JsonObject o) => JsonNode.Parse(o.ToJsonString())!.AsObject();
        List<NamespaceInfo> namespaces = [.. server.Objects(KubeObjects.Namespaces).Select(o => NamespaceTranslator.Translate(Wire(o), "test").Value!)];
        List<PodInfo> pods = [.. server.Objects(KubeObjects.Pods).Select(o => PodTranslator.Translate(Wire(o), "test").Value!)];
        List<NetworkPolicySpec> policies = [.. server.Objects("apis/networking.k8s.io/v1/networkpolicies").Select(o => NetworkPolicyTranslator.Translate(Wire(o), "test").Value!)];
        ResolverState state = ResolverState.FromSnapshot(new ClusterSnapshot(namespaces, pods, policies, []));
        ILookup<PolicyReference, PolicyEndpointSpec> published = server.Objects(KubeObjects.PolicyEndpoints)
            .Select(o => PolicyEndpointTranslator.Translate(Wire(o), "test").Value!)
            .ToLookup(pe => pe.PolicyRef);
        foreach (NetworkPolicySpec policy in policies)
        {
            PolicyEndpointSpec expected = PolicyEndpointBuilder.BuildWhole(state, policy.Ref)!;
            PolicyEndpointSpec[] chunks = [.. published[new PolicyReference(policy.Name, policy.Namespace)]];
            if (chunks.Length == 0)
            {
                return $"{policy.Ref} has no PolicyEndpoint";
            }

            if (!SameSet(expected.PodSelectorEndpoints, chunks.SelectMany(c => c.PodSelectorEndpoints)) ||
                !SameSet(expected.Ingress, chunks.SelectMany(c => c.Ingress)) || !SameSet(expected.Egress, chunks.SelectMany(c => c.Egress)))
            {
                return $"{policy.Ref}: {chunks.Sum(c => c.PodSelectorEndpoints.Count)} pods, {chunks.Sum(c => c.Ingress.Count)} ingress, {chunks.Sum(c => c.Egress.Count)} egress " +
                    $"published; {expected.PodSelectorEndpoints.Count}, {expected.Ingress.Count}, {expected.Egress.Count} expected";
            }
        }

        HashSet<PolicyReference> live = [.. policies.Select(p => new PolicyReference(p.Name, p.Namespace))];
        return published.FirstOrDefault(g => !live.Contains(g.Key)) is { } orphan ? $"{orphan.Key} has no NetworkPolicy but still has PolicyEndpoints" : "";
    }

    private static bool SameSet<T>(IReadOnlyList<T> expected, IEnumerable<T> actual)
    {
        List<T> got = [.. actual];
        return got.Count == expected.Count && new HashSet<T>(got).SetEquals(expected);
    }
}
