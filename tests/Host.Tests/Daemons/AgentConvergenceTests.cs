using System.Net;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.Host.Options;
using Npa.Host.Stages;
using Npa.Ingest.Kubernetes;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Ingest.Translation;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Host.Tests.Daemons;

/// <summary>
/// The whole cluster path in one: the real KubernetesClient lists and watches a fake API server while it
/// changes, drops connections, compacts (410) and changes behind the agent's back; when the dust settles, what
/// the agent programmed equals a fresh resolution of the server's final objects.
/// </summary>
public class AgentConvergenceTests
{
    private const string Node = "node-a"; // TestAgent runs as node-a
    private static readonly IPAddress NodeIp = IPAddress.Parse("10.0.0.1");

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public async Task AfterRandomChangesAndDisconnects_ProgrammedState_EqualsAFreshResolutionOfTheServersObjects(int seed)
    {
        Random random = new(seed);
        await using Server server = await Server.StartAsync();
        server.GoneAsErrorEvent = seed % 2 == 0;
        foreach (string ns in new[] { "default", "shop", "marker" })
        {
            server.Upsert(KubeObjects.Namespaces, KubeObjects.Namespace(ns));
        }

        using Kubernetes client = new(new KubernetesClientConfiguration { Host = server.BaseUri.ToString() });
        KubernetesEventSource source = new(null, SourceScope.Standalone, NullLoggerFactory.Instance, client);
        string state = TestAgent.NewStateDir();
        try
        {
            await using TestAgent agent = await TestAgent.StartAsync(state, source, policySource: PolicySource.NetworkPolicies);

            List<(string Ns, string Name, string Node)> pods = []; // spec.nodeName never changes once set
            List<(string Ns, string Name)> policies = [];
            int next = 0;
            void Change()
            {
                switch (random.Next(pods.Count == 0 ? 1 : 5))
                {
                    case 0:
                    {
                        (string, string, string) pod = (random.Next(2) == 0 ? "default" : "shop", $"p{next}", random.Next(3) == 0 ? "node-2" : Node);
                        pods.Add(pod);
                        server.Upsert(KubeObjects.Pods, KubeObjects.Pod(pod.Item1, pod.Item2, $"192.168.{next / 250}.{(next % 250) + 1}",
                            node: pod.Item3, app: random.Next(2) == 0 ? "web" : "api"));
                        next++;
                        break;
                    }

                    case 1:
                    {
                        (string ns, string name, string node) = pods[random.Next(pods.Count)];
                        server.Upsert(KubeObjects.Pods, KubeObjects.Pod(ns, name, $"192.168.100.{random.Next(1, 250)}",
                            node: node, app: random.Next(2) == 0 ? "web" : "api"));
                        break;
                    }

                    case 2:
                    {
                        (string, string, string) pod = pods[random.Next(pods.Count)];
                        pods.Remove(pod);
                        server.Delete(KubeObjects.Pods, pod.Item1, pod.Item2);
                        break;
                    }

                    case 3:
                    {
                        (string, string) policy = (random.Next(2) == 0 ? "default" : "shop", $"allow-{random.Next(4)}");
                        if (!policies.Contains(policy))
                        {
                            policies.Add(policy);
                        }

                        server.Upsert(KubeObjects.NetworkPolicies, KubeObjects.Policy(policy.Item1, policy.Item2, 8000 + random.Next(100)));
                        break;
                    }

                    default:
                        if (policies.Count > 0)
                        {
                            (string, string) policy = policies[random.Next(policies.Count)];
                            policies.Remove(policy);
                            server.Delete(KubeObjects.NetworkPolicies, policy.Item1, policy.Item2);
                        }

                        break;
                }
            }

            for (int step = 0; step < 50; step++)
            {
                server.Disturb(random, outOf: 12, Change, server.Compact);

                if (random.Next(4) == 0)
                {
                    await Task.Delay(random.Next(5, 40));
                }
            }

            // A marker pod on this node, made last: once it is programmed, everything before it has been seen.
            server.Upsert(KubeObjects.Pods, KubeObjects.Pod("marker", "end", "192.168.250.1", node: Node));
            Dictionary<ObjectRef, PodPolicy> expected = FreshResolution(server);
            Assert.True(await TestAgent.EventuallyAsync(() => AgentSamples.SameSet(agent.Enforcer.Policies, expected)),
                $"the agent's programmed state never equalled a fresh resolution (seed {seed}): programmed " +
                $"{string.Join(", ", agent.Enforcer.Policies.Keys.Order())}; expected {string.Join(", ", expected.Keys.Order())}");
            Assert.Contains(new ObjectRef("marker", "end"), expected.Keys);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>The server's final objects through the same translation, resolved from scratch, for this node's pods.</summary>
    private static Dictionary<ObjectRef, PodPolicy> FreshResolution(Server server)
    {
        List<NamespaceInfo> namespaces = [.. server.Objects(KubeObjects.Namespaces).Select(o => NamespaceTranslator.Translate(Clone(o)).Value!)];
        List<PodInfo> pods = [.. server.Objects(KubeObjects.Pods).Select(o => PodTranslator.Translate(Clone(o)).Value!)];
        List<NetworkPolicySpec> policies = [.. server.Objects(KubeObjects.NetworkPolicies).Select(o => NetworkPolicyTranslator.Translate(Clone(o)).Value!)];
        IReadOnlyDictionary<ObjectRef, PodPolicy> resolved = PolicyResolver.ResolvePodPolicies(new ClusterSnapshot(namespaces, pods, policies, []));
        HashSet<ObjectRef> local = [.. pods.Where(p => p.NodeName == Node).Select(p => p.Ref)];
        return resolved.Where(kv => local.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => NodeTraffic.Allow(kv.Value, [NodeIp]));
    }

    private static JsonObject Clone(JsonObject o) => (JsonObject)JsonNode.Parse(o.ToJsonString())!;
}
