using System.Text.Json.Nodes;
using k8s;
using Npa.Ingest.Kubernetes.Controller;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Ingest.Translation;
using Npa.Resolver.Model;
using Npa.Tests.Shared;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Ingest.Tests.Kubernetes.Controller;

public sealed class PolicyEndpointWriterTests
{
    private static readonly PolicyReference Web = new("web", "shop");

    private static PolicyEndpointSpec Desired(params string[] ingressCidrs) => new(
        "shop", "", "web-", Web,
        new LabelSelector(new Dictionary<string, string> { ["app"] = "web" }, []),
        [Direction.Ingress],
        [new PodEndpoint("10.0.0.1", "192.168.1.1", "web-1", "shop")],
        [.. ingressCidrs.Select(c => new EndpointInfo(c, [], [new EndpointPort(Protocol.Tcp, 80, null)]))],
        []);

    private static List<RecordedRequest> Writes(Server server, int after) =>
        [.. server.Requests.Skip(after).Where(r => r.Path.Contains("policyendpoints", StringComparison.Ordinal) && r.Method != "GET")];

    [Fact]
    public async Task Reconcile_CreatesChunksWithGenerateNameAndOwner_ThenPatchesOnlyWhatChanged_ThenDeletesWhatIsNotNeeded()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        PolicyEndpointWriter writer = new(client, chunkSize: 2);

        // Five ingress peers in chunks of two: three objects.
        ReconcileResult first = await writer.ReconcileAsync(Web, "uid-web", [Desired("1.1.1.1/32", "2.2.2.2/32", "3.3.3.3/32", "4.4.4.4/32", "5.5.5.5/32")], CancellationToken.None)
            .WaitAsync(TestTimeouts.Default);
        Assert.Equal(new ReconcileResult(3, 0, 0, 0), first);
        List<RecordedRequest> creates = Writes(server, 0);
        Assert.Equal(3, creates.Count);
        Assert.All(creates, r => Assert.Equal("POST", r.Method));
        JsonObject body = JsonNode.Parse(creates[0].Body)!.AsObject();
        Assert.Equal("web-", body["metadata"]!["generateName"]!.GetValue<string>());
        JsonObject owner = body["metadata"]!["ownerReferences"]![0]!.AsObject();
        Assert.Equal(("NetworkPolicy", "web", "uid-web", true, true), (
            owner["kind"]!.GetValue<string>(), owner["name"]!.GetValue<string>(), owner["uid"]!.GetValue<string>(),
            owner["controller"]!.GetValue<bool>(), owner["blockOwnerDeletion"]!.GetValue<bool>()));
        IReadOnlyList<JsonObject> stored = server.Objects(KubeObjects.PolicyEndpoints);
        Assert.Equal(3, stored.Count);
        Assert.All(stored, o => Assert.StartsWith("web-", o["metadata"]!["name"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.All(stored, o => Assert.True(PolicyEndpointTranslator.Translate(o).Accepted, "what the writer stores must read back"));
        Assert.Equal([2, 2, 1], stored.Select(o => o["spec"]!["ingress"]!.AsArray().Count).Order().Reverse());

        // The same desired state again: nothing to write.
        int seen = server.Requests.Count;
        ReconcileResult again = await writer.ReconcileAsync(Web, "uid-web", [Desired("1.1.1.1/32", "2.2.2.2/32", "3.3.3.3/32", "4.4.4.4/32", "5.5.5.5/32")], CancellationToken.None)
            .WaitAsync(TestTimeouts.Default);
        Assert.Equal(new ReconcileResult(0, 0, 0, 3), again);
        Assert.Empty(server.Requests.Skip(seen));

        // One peer changes: one merge patch carrying only spec.ingress.
        seen = server.Requests.Count;
        ReconcileResult changed = await writer.ReconcileAsync(Web, "uid-web", [Desired("1.1.1.1/32", "2.2.2.2/32", "3.3.3.3/32", "4.4.4.9/32", "5.5.5.5/32")], CancellationToken.None)
            .WaitAsync(TestTimeouts.Default);
        Assert.Equal(new ReconcileResult(0, 1, 0, 2), changed);
        RecordedRequest patch = Assert.Single(Writes(server, seen));
        Assert.Equal("PATCH", patch.Method);
        Assert.Equal("application/merge-patch+json", patch.ContentType?.Split(';')[0]);
        JsonObject patchBody = JsonNode.Parse(patch.Body)!.AsObject();
        Assert.Equal(["spec"], patchBody.Select(kv => kv.Key));
        Assert.Equal(["ingress"], patchBody["spec"]!.AsObject().Select(kv => kv.Key));
        Assert.Contains(server.Objects(KubeObjects.PolicyEndpoints), o => o.ToJsonString().Contains("4.4.4.9/32", StringComparison.Ordinal));

        // Fewer peers: one chunk is enough, the other two objects go.
        seen = server.Requests.Count;
        ReconcileResult shrunk = await writer.ReconcileAsync(Web, "uid-web", [Desired("1.1.1.1/32", "2.2.2.2/32")], CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.Equal(new ReconcileResult(0, 0, 2, 1), shrunk);
        Assert.All(Writes(server, seen), r => Assert.Equal("DELETE", r.Method));
        Assert.Single(server.Objects(KubeObjects.PolicyEndpoints));

        // The policy goes: its PolicyEndpoints go with it.
        ReconcileResult gone = await writer.DeleteAllAsync(Web, CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.Equal(1, gone.Deleted);
        Assert.Empty(server.Objects(KubeObjects.PolicyEndpoints));
    }

    [Fact]
    public async Task AWriterStartingFresh_AdoptsExistingObjects_AndRemovesOrphansOfDeletedPolicies()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        await new PolicyEndpointWriter(client).ReconcileAsync(Web, "uid-web", [Desired("1.1.1.1/32")], CancellationToken.None).WaitAsync(TestTimeouts.Default);
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "old-abcde", "old", ("web-1", "192.168.1.1", "10.0.0.1")));

        PolicyEndpointWriter restarted = new(client);
        ReconcileResult adopted = await restarted.ReconcileAsync(Web, "uid-web", [Desired("1.1.1.1/32")], CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.Equal(new ReconcileResult(0, 0, 0, 1), adopted);

        int removed = await restarted.RemoveOrphansAsync(["shop"], p => p == Web, CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.Equal(1, removed);
        Assert.Equal(["web"], server.Objects(KubeObjects.PolicyEndpoints).Select(o => o["spec"]!["policyRef"]!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task PoliciesOfManyNamespaces_ReconcileConcurrently_TakingTheOwnerFromTheDesiredSpecs()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        PolicyEndpointWriter writer = new(client);
        string[] namespaces = [.. Enumerable.Range(0, 6).Select(i => $"team-{i}")];

        ReconcileResult[] results = await Task.WhenAll(namespaces.Select(ns =>
        {
            PolicyReference policy = new("web", ns);
            PolicyEndpointSpec spec = Desired("1.1.1.1/32") with { Namespace = ns, PolicyRef = policy, OwnerUid = $"uid-{ns}" };
            return writer.ReconcileAsync(policy, [spec], CancellationToken.None);
        })).WaitAsync(TestTimeouts.Default);

        Assert.All(results, r => Assert.Equal(new ReconcileResult(1, 0, 0, 0), r));
        IReadOnlyList<JsonObject> stored = server.Objects(KubeObjects.PolicyEndpoints);
        Assert.Equal(namespaces, stored.Select(o => o["metadata"]!["namespace"]!.GetValue<string>()).Order());
        Assert.All(stored, o => Assert.Equal(
            $"uid-{o["metadata"]!["namespace"]!.GetValue<string>()}",
            o["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>()));
    }

    [Fact]
    public async Task APolicyWithALongName_GetsObjectsNamedFromItsFirst58Characters_WithoutTheLabel_AndIsStillRecognisedByPolicyRef()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        string longName = "allow-" + new string('x', 120);
        PolicyReference policy = new(longName, "shop");
        PolicyEndpointSpec spec = Desired("1.1.1.1/32") with { PolicyRef = policy, GenerateName = $"{longName}-" };
        PolicyEndpointWriter writer = new(client);
        await writer.ReconcileAsync(policy, "uid-long", [spec], CancellationToken.None).WaitAsync(TestTimeouts.Default);

        // The API server cuts generateName to 58 characters and appends 5: names stay within 63.
        string name = Assert.Single(server.Objects(KubeObjects.PolicyEndpoints))["metadata"]!["name"]!.GetValue<string>();
        Assert.Equal(63, name.Length);
        Assert.StartsWith(longName[..58], name, StringComparison.Ordinal);

        // A name that long is no label value: the object goes without the parent-policy label rather than being refused.
        Assert.Null(server.Objects(KubeObjects.PolicyEndpoints)[0]["metadata"]!["labels"]);

        PolicyEndpointWriter restarted = new(client);
        ReconcileResult again = await restarted.ReconcileAsync(policy, "uid-long", [spec], CancellationToken.None).WaitAsync(TestTimeouts.Default);
        Assert.Equal(new ReconcileResult(0, 0, 0, 1), again);
    }

    [Fact]
    public async Task ObjectsCarryTheParentPolicyLabel_SoTheyCanBeListedByPolicy()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        PolicyEndpointWriter writer = new(client, chunkSize: 1);
        PolicyReference api = new("api", "shop");
        await writer.ReconcileAsync(Web, "uid-web", [Desired("1.1.1.1/32", "2.2.2.2/32")], CancellationToken.None).WaitAsync(TestTimeouts.Default);
        await writer.ReconcileAsync(api, "uid-api", [Desired("3.3.3.3/32") with { PolicyRef = api, GenerateName = "api-" }], CancellationToken.None)
            .WaitAsync(TestTimeouts.Default);

        object list = await client.CustomObjects.ListNamespacedCustomObjectAsync(
            "networking.k8s.aws", "v1alpha1", "shop", "policyendpoints", labelSelector: $"{PolicyEndpointJson.ParentPolicyLabel}=web")
            .WaitAsync(TestTimeouts.Default);

        JsonArray items = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(list))!["items"]!.AsArray();
        Assert.Equal(2, items.Count);
        Assert.All(items, i => Assert.Equal("web", i!["spec"]!["policyRef"]!["name"]!.GetValue<string>()));
    }
}
