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
using Npa.Resolver.Verdicts;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Host.Tests.Daemons;

/// <summary>
/// The distributed path end to end: the shipped controller publishes PolicyEndpoints (node-labelled) to an
/// in-process API server, and an agent reading them (<c>--policy-source policyendpoints</c>, its node's
/// slice only) ends up judging every connection of its pods as a fresh resolution of the server's objects
/// does, after random pod and policy changes and a controller restart in the middle.
/// </summary>
public sealed class ControllerAgentConvergenceTests
{
    private const string Node = "node-a"; // TestAgent runs as node-a
    private static readonly int[] Ports = [80, 5432, 8080, 8081];

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public async Task AnAgentReadingTheControllersPolicyEndpoints_JudgesAsAFreshResolution(int seed)
    {
        Random random = new(seed);
        await using Server server = await Server.StartAsync();
        string[] namespaces = ["shop", "db"];
        foreach (string ns in namespaces)
        {
            server.Upsert(KubeObjects.Namespaces, KubeObjects.Namespace(ns));
        }

        string[] apps = ["web", "api", "pg"];
        List<(string Ns, string Name, string Node)> pods = [];
        int next = 0;
        void AddPod()
        {
            (string Ns, string Name, string Node) pod = (namespaces[random.Next(2)], $"p{next}", random.Next(2) == 0 ? Node : "node-b");
            pods.Add(pod);
            server.Upsert(KubeObjects.Pods, KubeObjects.Pod(pod.Ns, pod.Name, $"192.168.{next / 200}.{(next % 200) + 1}",
                node: pod.Node, hostIp: pod.Node == Node ? "10.0.0.1" : "10.0.0.2", app: apps[random.Next(3)]));
            next++;
        }

        void EditPolicy()
        {
            string ns = namespaces[random.Next(2)];
            string target = apps[random.Next(3)], peer = apps[random.Next(3)];
            int port = Ports[random.Next(Ports.Length)];
            server.Upsert("apis/networking.k8s.io/v1/networkpolicies", random.Next(2) == 0
                ? ControllerClusterTests.IngressFrom(ns, $"in-{random.Next(3)}", target, peer, port)
                : ControllerClusterTests.EgressTo(ns, $"out-{random.Next(3)}", target, peer, port));
        }

        for (int i = 0; i < 12; i++)
        {
            AddPod();
        }

        EditPolicy();
        EditPolicy();

        string state = TestAgent.NewStateDir();
        try
        {
            using Kubernetes client = new(new KubernetesClientConfiguration { Host = server.BaseUri.ToString() });
            KubernetesEventSource source = new(null, SourceScope.Agent(Node), NullLoggerFactory.Instance, client);
            await using TestAgent agent = await TestAgent.StartAsync(state, source, policySource: PolicySource.PolicyEndpoints);
            RunningController controller = await RunningController.StartAsync(server, "a");
            try
            {
                for (int step = 0; step < 40; step++)
                {
                    switch (random.Next(5))
                    {
                        case 0:
                        case 1:
                            AddPod();
                            break;
                        case 2 when pods.Count > 2:
                            (string Ns, string Name, string Node) gone = pods[random.Next(pods.Count)];
                            pods.Remove(gone);
                            server.Delete(KubeObjects.Pods, gone.Ns, gone.Name);
                            break;
                        default:
                            EditPolicy();
                            break;
                    }

                    if (step == 20)
                    {
                        await controller.DisposeAsync();
                        controller = await RunningController.StartAsync(server, "b");
                    }

                    if (random.Next(4) == 0)
                    {
                        await Task.Delay(random.Next(5, 60));
                    }
                }

                string last = "";
                Assert.True(await TestAgent.EventuallyAsync(() => (last = Disagreement(server, agent)).Length == 0),
                    $"the agent never judged as a fresh resolution (seed {seed}): {last}");
            }
            finally
            {
                await controller.DisposeAsync();
            }
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>The first probe on which the agent's programmed state and a fresh resolution disagree, or "".</summary>
    private static string Disagreement(Server server, TestAgent agent)
    {
        static JsonObject Wire(JsonObject o) => JsonNode.Parse(o.ToJsonString())!.AsObject();
        List<NamespaceInfo> namespaces = [.. server.Objects(KubeObjects.Namespaces).Select(o => NamespaceTranslator.Translate(Wire(o)).Value!)];
        List<PodInfo> pods = [.. server.Objects(KubeObjects.Pods).Select(o => PodTranslator.Translate(Wire(o)).Value!)];
        List<NetworkPolicySpec> policies = [.. server.Objects("apis/networking.k8s.io/v1/networkpolicies").Select(o => NetworkPolicyTranslator.Translate(Wire(o)).Value!)];
        IReadOnlyDictionary<ObjectRef, PodPolicy> fresh = PolicyResolver.ResolvePodPolicies(new ClusterSnapshot(namespaces, pods, policies, []));
        IReadOnlyDictionary<ObjectRef, PodPolicy> programmed = agent.Enforcer.Policies;
        foreach (PodInfo local in pods.Where(p => p.NodeName == Node))
        {
            if (!programmed.TryGetValue(local.Ref, out PodPolicy? mine))
            {
                return $"{local.Ref} is not programmed";
            }

            PodPolicy expected = fresh[local.Ref];
            foreach (PodInfo peer in pods)
            {
                IPAddress ip = peer.Ips[0];
                foreach (int port in Ports)
                {
                    foreach (Direction direction in new[] { Direction.Ingress, Direction.Egress })
                    {
                        DirectionPolicy want = direction == Direction.Ingress ? expected.Ingress : expected.Egress;
                        DirectionPolicy got = direction == Direction.Ingress ? mine.Ingress : mine.Egress;
                        bool allowedWant = VerdictEvaluator.Check(direction, local.Ref, want, ip, Protocol.Tcp, port).Allowed;
                        bool allowedGot = VerdictEvaluator.Check(direction, local.Ref, got, ip, Protocol.Tcp, port).Allowed;
                        if (allowedWant != allowedGot)
                        {
                            return $"{direction} of {local.Ref} with {peer.Ref} ({ip}) on TCP {port}: programmed {(allowedGot ? "allows" : "denies")}, " +
                                $"a fresh resolution {(allowedWant ? "allows" : "denies")}";
                        }
                    }
                }
            }
        }

        return "";
    }
}
