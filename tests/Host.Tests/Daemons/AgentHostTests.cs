using Npa.Enforcer;
using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Npa.Host.Cni.Rpc;
using Npa.Host.Options;
using Npa.Resolver.Events;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Daemons;

public class AgentHostTests
{
    private static GrpcChannel UnixChannel(string socketPath) =>
        GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    Socket socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                },
            },
        });

    [Fact]
    public async Task Pipeline_ProgramsEveryLocalPod_AsTheResolverDecidesFromScratch()
    {
        string state = TestAgent.NewStateDir();
        try
        {
            ScriptedSource source = new();
            await using TestAgent agent = await TestAgent.StartAsync(state, source);

            await source.SendAsync(AgentSamples.Events());
            Dictionary<ObjectRef, PodPolicy> expected = AgentSamples.ExpectedOnNodeA(AgentSamples.Pods);

            Assert.True(await TestAgent.EventuallyAsync(() => AgentSamples.SameSet(agent.Enforcer.Policies, expected)),
                "the enforcer never held the resolver's decisions for node-a's pods");
            Assert.Equal(3, expected.Count);
            Assert.True(expected[new ObjectRef("shop", "web-1")].Ingress.Isolated);
            Assert.False(expected[new ObjectRef("shop", "db-1")].Ingress.Isolated);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task Readyz_Waits_ForJournalRestoreAndFirstList_WhileHealthzAnswersAtOnce()
    {
        string state = TestAgent.NewStateDir();
        try
        {
            ScriptedSource source = new();
            await using TestAgent agent = await TestAgent.StartAsync(state, source);

            HttpResponseMessage health = await agent.Http.GetAsync("/healthz").WaitAsync(TestTimeouts.Default);
            HttpResponseMessage notReady = await agent.Http.GetAsync("/readyz").WaitAsync(TestTimeouts.Default);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.Contains("source listing", await notReady.Content.ReadAsStringAsync());

            await source.MarkSyncedAsync();

            Assert.True(await TestAgent.EventuallyAsync(() =>
                agent.Http.GetAsync("/readyz").GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task Metrics_ExposeEveryDocumentedName()
    {
        string state = TestAgent.NewStateDir();
        try
        {
            ScriptedSource source = new();
            await using TestAgent agent = await TestAgent.StartAsync(state, source);
            await source.SendAsync(AgentSamples.Events());
            Assert.True(await TestAgent.EventuallyAsync(() => agent.Enforcer.Policies.Count == 3));

            string text = "";
            Assert.True(await TestAgent.EventuallyAsync(() =>
            {
                text = agent.Http.GetStringAsync("/metrics").GetAwaiter().GetResult();
                return text.Contains("npa_programmed_pods 3", StringComparison.Ordinal);
            }), text);

            foreach (string name in new[]
                     {
                         "network_policy_drop_count_total", "network_policy_drop_bytes_total",
                         "awsnodeagent_policy_programming_latency_seconds_bucket", "npa_programmed_pods", "npa_programmed_entries",
                         "npa_accept_count_total", "npa_watch_restarts_total", "npa_journal_bytes", "npa_flowlog_dropped_total",
                     })
            {
                Assert.Contains("# TYPE " + name.Replace("_bucket", "", StringComparison.Ordinal), text);
            }
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task CniHandshake_OverTheUnixSocket_EnsuresThePodsVethsInStrictMode_AndDeletes()
    {
        string state = TestAgent.NewStateDir();
        try
        {
            await using TestAgent agent = await TestAgent.StartAsync(state, new ScriptedSource(), EnforcingMode.Strict);
            using GrpcChannel channel = UnixChannel(agent.Options.CniSocket);
            NPBackend.NPBackendClient client = new(channel);

            EnforceNpReply added = await client.EnforceNpToPodAsync(new EnforceNpRequest
            {
                K8SPODNAME = "frontend-7f9c", K8SPODNAMESPACE = "stars", NETWORKPOLICYMODE = "strict", InterfaceCount = 2,
            }).ResponseAsync.WaitAsync(TestTimeouts.Default);

            Assert.True(added.Success);
            (IReadOnlyList<string> veths, EnforcingMode mode) = agent.Enforcer.Ensured[new ObjectRef("stars", "frontend-7f9c")];
            Assert.Equal(["enidd1ed4e0bb6", "eni089fbb9c1a8"], veths);
            Assert.Equal(EnforcingMode.Strict, mode);

            DeleteNpReply deleted = await client.DeletePodNpAsync(new DeleteNpRequest { K8SPODNAME = "frontend-7f9c", K8SPODNAMESPACE = "stars" })
                .ResponseAsync.WaitAsync(TestTimeouts.Default);

            Assert.True(deleted.Success);
            Assert.False(agent.Enforcer.Ensured.ContainsKey(new ObjectRef("stars", "frontend-7f9c")));
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task CniHandshake_WithoutPodName_AnswersFailure()
    {
        string state = TestAgent.NewStateDir();
        try
        {
            await using TestAgent agent = await TestAgent.StartAsync(state, new ScriptedSource());
            using GrpcChannel channel = UnixChannel(agent.Options.CniSocket);

            EnforceNpReply reply = await new NPBackend.NPBackendClient(channel)
                .EnforceNpToPodAsync(new EnforceNpRequest { K8SPODNAMESPACE = "stars" }).ResponseAsync.WaitAsync(TestTimeouts.Default);

            Assert.False(reply.Success);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task Restart_WithTheApiServerUnreachable_RestoresEveryPodsVerdictsFromTheJournal()
    {
        string state = TestAgent.NewStateDir();
        try
        {
            Dictionary<ObjectRef, PodPolicy> expected = AgentSamples.ExpectedOnNodeA(AgentSamples.Pods);
            ScriptedSource source = new();
            await using (TestAgent first = await TestAgent.StartAsync(state, source))
            {
                await source.SendAsync(AgentSamples.Events());
                Assert.True(await TestAgent.EventuallyAsync(() => AgentSamples.SameSet(first.Enforcer.Policies, expected)));
            }

            await using TestAgent second = await TestAgent.StartAsync(state, new UnreachableSource());

            Assert.True(await TestAgent.EventuallyAsync(() => AgentSamples.SameSet(second.Enforcer.Policies, expected)),
                "the restarted agent did not restore the same desired PodPolicy set from its journal");
            HttpResponseMessage ready = await second.Http.GetAsync("/readyz").WaitAsync(TestTimeouts.Default);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("journal restored", await ready.Content.ReadAsStringAsync());
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task Restart_ThenFirstList_DeletesPodsThatVanishedWhileTheNodeWasDown()
    {
        string state = TestAgent.NewStateDir();
        try
        {
            ScriptedSource source = new();
            await using (TestAgent first = await TestAgent.StartAsync(state, source))
            {
                await source.SendAsync(AgentSamples.Events());
                Assert.True(await TestAgent.EventuallyAsync(() => first.Enforcer.Policies.Count == 3));
            }

            List<PodInfo> remaining = AgentSamples.Pods.Where(p => p.Name != "web-2").ToList();
            ScriptedSource relist = new();
            await using TestAgent second = await TestAgent.StartAsync(state, relist);
            await relist.SendAsync(remaining.Select(p => (ClusterEvent)new PodUpserted(p, "9")).ToArray());
            await relist.SendAsync(new SourceSynced(ResourceKind.Pod, "9", remaining.Count, 0, Relist: false));

            Dictionary<ObjectRef, PodPolicy> expected = AgentSamples.ExpectedOnNodeA(remaining);
            Assert.True(await TestAgent.EventuallyAsync(() => AgentSamples.SameSet(second.Enforcer.Policies, expected)),
                "web-2, gone while the node was down, should have been removed after the first pod list");
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
