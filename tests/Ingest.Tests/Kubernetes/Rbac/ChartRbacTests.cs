using System.Text.Json.Nodes;
using Npa.Ingest.Kubernetes;
using Npa.Ingest.Kubernetes.Controller;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Resolver.Events;
using Npa.Resolver.Model;
using Npa.Tests.Shared;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Ingest.Tests.Kubernetes.Rbac;

/// <summary>
/// The chart's RBAC against the requests the code makes. Each role's code runs against the fake API
/// server, which records every request as RBAC sees it (API group, resource, verb, namespace, name);
/// every request must be granted by the role's rules (else the real API server answers 403), and every
/// grant must be used by some request (nothing more than the code needs).
/// </summary>
public sealed class ChartRbacTests
{
    private const string ReleaseNamespace = "kube-system";

    private static readonly InformerOptions Fast = new() { RetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(100) };

    [Fact]
    public async Task AgentRole_GrantsExactlyWhatTheAgentRequests()
    {
        IReadOnlyList<ApiRequest> requests = await AgentRequestsAsync();
        AssertExact(ChartRbac.Rules(ChartFiles.Template("rbac-agent.yaml")), requests);
        Assert.All(requests, r => Assert.Contains(r.Verb, new[] { "get", "list", "watch" }));
    }

    [Fact]
    public async Task AgentRole_WithPolicySourceNetworkPolicies_GrantsExactlyWhatTheStandaloneAgentRequests()
    {
        // The agent host picks this scope for --policy-source networkpolicies; checked so the test follows the code.
        string host = Path.Combine(ChartFiles.Chart, "..", "..", "Host", "Daemons", "AgentHost.cs");
        Assert.Contains("fromEndpoints ? SourceScope.Agent(options.NodeName) : SourceScope.Standalone", File.ReadAllText(host), StringComparison.Ordinal);

        IReadOnlyList<ApiRequest> requests = await StandaloneAgentRequestsAsync();
        AssertExact(ChartRbac.Rules(ChartFiles.Template("rbac-agent.yaml"), ChartRbac.NetworkPolicies), requests);
        Assert.All(requests, r => Assert.Contains(r.Verb, new[] { "list", "watch" }));
        Assert.DoesNotContain(requests, r => r.Resource == "policyendpoints");
    }

    [Fact]
    public void ChartRbac_ReadsOnlyTheBranchOfThePolicySourceAskedFor()
    {
        string[] Resources(string mode) =>
            [.. ChartRbac.Rules(ChartFiles.Template("rbac-agent.yaml"), mode).SelectMany(r => r.Resources).Order(StringComparer.Ordinal)];

        Assert.Equal(["pods", "policyendpoints"], Resources(ChartRbac.PolicyEndpoints));
        Assert.Equal(["namespaces", "networkpolicies", "pods", "services"], Resources(ChartRbac.NetworkPolicies));
        Assert.Contains("no-such-mode", Assert.Throws<ArgumentException>(() => Resources("no-such-mode")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ControllerRole_GrantsExactlyWhatTheControllerRequests()
    {
        List<ApiRequest> requests = [.. await ControllerRequestsAsync()];

        // Made in Host (not exercised here); the source is checked so this entry cannot outlive the call.
        string gate = Path.Combine(ChartFiles.Chart, "..", "..", "Host", "Daemons", "ConfigMapGate.cs");
        Assert.Contains("CoreV1.ReadNamespacedConfigMapAsync(Name, Namespace", File.ReadAllText(gate), StringComparison.Ordinal);
        requests.Add(new ApiRequest("", "configmaps", "get", "kube-system", "amazon-vpc-cni", "Host/Daemons/ConfigMapGate.cs, --enable-configmap-check"));

        AssertExact(ChartRbac.Rules(ChartFiles.Template("rbac-controller.yaml")), requests);
    }

    [Fact]
    public void ChartRbac_ReadsEveryRoleOfTheTemplates()
    {
        IReadOnlyList<RbacRule> controller = ChartRbac.Rules(ChartFiles.Template("rbac-controller.yaml"));
        Assert.Equal(
            ["ClusterRole templated", "Role templated-leader-election", "Role templated-vpc-cni-config"],
            controller.Select(r => r.Role).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal([ChartRbac.ReleaseNamespace], controller.Where(r => r.Resources.Contains("leases")).Select(r => r.Namespace));
        Assert.Equal(["kube-system"], controller.Where(r => r.Resources.Contains("configmaps")).Select(r => r.Namespace));
        Assert.All(ChartRbac.Rules(ChartFiles.Template("rbac-agent.yaml")), r => Assert.Null(r.Namespace));
    }

    /// <summary>Every request granted by some rule, and every (group, resource, verb) of every rule used by some request.</summary>
    private static void AssertExact(IReadOnlyList<RbacRule> rules, IReadOnlyList<ApiRequest> requests)
    {
        Assert.NotEmpty(rules);
        List<string> refused = [.. requests.Where(q => !rules.Any(r => r.Covers(q, ReleaseNamespace))).Select(q => q.ToString()).Distinct()];
        Assert.True(refused.Count == 0, $"requests the chart's RBAC does not grant (403 on a real API server):\n  {string.Join("\n  ", refused)}");

        List<string> unused = [];
        foreach (RbacRule rule in rules)
        {
            foreach (string group in rule.ApiGroups)
            {
                foreach (string resource in rule.Resources)
                {
                    foreach (string verb in rule.Verbs)
                    {
                        RbacRule one = rule with { ApiGroups = [group], Resources = [resource], Verbs = [verb] };
                        if (!requests.Any(q => one.Covers(q, ReleaseNamespace)))
                        {
                            unused.Add($"{rule.Role}: {verb} {(group.Length == 0 ? resource : $"{resource}.{group}")}");
                        }
                    }
                }
            }
        }

        Assert.True(unused.Count == 0, $"grants no request uses (more than the code needs):\n  {string.Join("\n  ", unused)}");
    }

    private static IEnumerable<ApiRequest> Recorded(Server server, string why) =>
        server.Requests.Select(r => r.Attributes).OfType<ApiRequestAttributes>()
            .Select(a => new ApiRequest(a.Group, a.Resource, a.Verb, a.Namespace, a.Name, why));

    /// <summary>
    /// Requests the API server authorizes on top of the request itself: creating an object whose
    /// ownerReference has blockOwnerDeletion needs update on the owner's finalizers subresource
    /// (OwnerReferencesPermissionEnforcement).
    /// </summary>
    private static IEnumerable<ApiRequest> Implied(Server server)
    {
        foreach (RecordedRequest r in server.Requests.Where(r => r.Method is "POST" or "PUT" && r.Body.Length > 0))
        {
            JsonArray owners = JsonNode.Parse(r.Body)?["metadata"]?["ownerReferences"] as JsonArray ?? [];
            foreach (JsonObject owner in owners.OfType<JsonObject>().Where(o => o["blockOwnerDeletion"]?.GetValue<bool>() == true))
            {
                string apiVersion = owner["apiVersion"]!.GetValue<string>();
                string group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion.Split('/')[0] : "";
                string plural = owner["kind"]!.GetValue<string>() switch
                {
                    "NetworkPolicy" => "networkpolicies",
                    string other => throw new NotSupportedException($"owner kind {other}: add its plural here"),
                };
                yield return new ApiRequest(group, $"{plural}/finalizers", "update", r.Attributes?.Namespace, owner["name"]!.GetValue<string>(),
                    "blockOwnerDeletion on an ownerReference");
            }
        }
    }

    /// <summary>The agent: its node's pods and the PolicyEndpoints naming them, including a refetch of a chunk dropped earlier.</summary>
    private static async Task<IReadOnlyList<ApiRequest>> AgentRequestsAsync()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-1", "192.168.1.1", node: "node-1", hostIp: "10.0.0.1"));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "side-1", "side", ("web-2", "192.168.2.1", "10.0.0.2")));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "side-2", "side", ("web-3", "192.168.3.1", "10.0.0.3")));
        await using EventRecorder recorder = new();
        await using (RunningSource source = KubernetesSource.Start(KubeObjects.Client(server), SourceScope.Agent("node-1"), recorder.Channel.Writer, CancellationToken.None, options: Fast, ownsClient: true))
        {
            await source.Ready.WaitAsync(TestTimeouts.Default);
            await ResourceInformerTests.Eventually(() => server.ActiveWatches(KubeObjects.PolicyEndpoints) > 0 && server.ActiveWatches(KubeObjects.Pods) > 0, "both watches");
            server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "side-2", "side", ("web-1", "192.168.1.1", "10.0.0.1")));
            await recorder.WaitUntilAsync(e => e.Any(x => x is PolicyEndpointUpserted { Endpoint.Name: "side-1" }), "the refetched chunk");
        }

        return [.. Recorded(server, "agent")];
    }

    /// <summary>
    /// The agent with --policy-source networkpolicies: every Namespace, Pod, NetworkPolicy and Service of the
    /// cluster (pods of other nodes included: they are the peers of this node's pods).
    /// </summary>
    private static async Task<IReadOnlyList<ApiRequest>> StandaloneAgentRequestsAsync()
    {
        const string Services = "api/v1/services";
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Namespaces, KubeObjects.Namespace("shop"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-1", "192.168.1.1", node: "node-1", hostIp: "10.0.0.1"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-2", "192.168.2.1", node: "node-2", hostIp: "10.0.0.2"));
        server.Upsert(KubeObjects.NetworkPolicies, KubeObjects.Policy("shop", "web", 80));
        await using EventRecorder recorder = new();
        await using (RunningSource source = KubernetesSource.Start(KubeObjects.Client(server), SourceScope.Standalone, recorder.Channel.Writer, CancellationToken.None, options: Fast, ownsClient: true))
        {
            await source.Ready.WaitAsync(TestTimeouts.Default);
            await ResourceInformerTests.Eventually(
                () => new[] { KubeObjects.Namespaces, KubeObjects.Pods, KubeObjects.NetworkPolicies, Services }.All(c => server.ActiveWatches(c) > 0),
                "all four watches");
        }

        return [.. Recorded(server, "agent, policySource networkpolicies")];
    }

    /// <summary>The controller: its four informers, the writer creating, patching and deleting, and leader election.</summary>
    private static async Task<IReadOnlyList<ApiRequest>> ControllerRequestsAsync()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Namespaces, KubeObjects.Namespace("shop"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-1", "192.168.1.1"));
        server.Upsert(KubeObjects.NetworkPolicies, KubeObjects.Policy("shop", "web", 80));
        await using EventRecorder recorder = new();
        await using (RunningSource source = KubernetesSource.Start(KubeObjects.Client(server), SourceScope.Controller, recorder.Channel.Writer, CancellationToken.None, options: Fast, ownsClient: true))
        {
            await source.Ready.WaitAsync(TestTimeouts.Default);
            await ResourceInformerTests.Eventually(() => server.ActiveWatches(KubeObjects.NetworkPolicies) > 0, "the policy watch");
        }

        using k8s.Kubernetes client = KubeObjects.Client(server);
        PolicyReference web = new("web", "shop");
        PolicyEndpointSpec Desired(string cidr) => new(
            "shop", "", "web-", web, new LabelSelector(new Dictionary<string, string> { ["app"] = "web" }, []), [Direction.Ingress],
            [new PodEndpoint("10.0.0.1", "192.168.1.1", "web-1", "shop")], [new EndpointInfo(cidr, [], [new EndpointPort(Protocol.Tcp, 80, null)])], [])
        {
            OwnerUid = "uid-web",
        };
        PolicyEndpointWriter writer = new(client);
        Assert.Equal(1, (await writer.ReconcileAsync(web, [Desired("10.1.0.0/16")], CancellationToken.None).WaitAsync(TestTimeouts.Default)).Created);
        Assert.Equal(1, (await writer.ReconcileAsync(web, [Desired("10.2.0.0/16")], CancellationToken.None).WaitAsync(TestTimeouts.Default)).Patched);
        Assert.Equal(1, (await writer.DeleteAllAsync(web, CancellationToken.None).WaitAsync(TestTimeouts.Default)).Deleted);

        ControllerLeadership leadership = new(client, ReleaseNamespace, "replica-a")
        {
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(50),
        };
        using CancellationTokenSource stop = new();
        Task run = leadership.RunAsync(token => Task.Delay(Timeout.Infinite, token), stop.Token);
        await ResourceInformerTests.Eventually(() => server.Requests.Any(r => r.Method == "PUT" && r.Path.Contains("/leases/", StringComparison.Ordinal)), "a lease renewal");
        await stop.CancelAsync();
        await run.WaitAsync(TestTimeouts.Default);

        return [.. Recorded(server, "controller"), .. Implied(server)];
    }
}
