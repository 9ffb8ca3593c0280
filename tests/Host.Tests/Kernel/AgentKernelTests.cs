using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Npa.Enforcer;
using Npa.Host.Cni.Rpc;
using Npa.Host.Daemons;
using Npa.Host.Options;
using Npa.Host.Tests.Daemons;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Kernel;

public class AgentKernelTests
{
    [KernelFact]
    public async Task Agent_OnTheKernelEnforcer_PinsItsMaps_FailsClosedForAPodWithoutVeth_AndKeepsRunning()
    {
        string state = TestAgent.NewStateDir();
        string root = $"/sys/fs/bpf/npahost-{Guid.NewGuid():N}"[..31];
        AgentOptions options = new()
        {
            EnableNetworkPolicy = true,
            PolicySource = PolicySource.NetworkPolicies,
            EnablePolicyEventLogs = true,
            NodeName = "node-a",
            JournalDir = Path.Combine(state, "journal"),
            CniSocket = Path.Combine(state, "npa.sock"),
            LogFile = Path.Combine(state, "flows", "network-policy-agent.log"),
            BpffsRoot = root,
            ConntrackCacheTableSize = 32768,
            MetricsBindAddr = "127.0.0.1:0",
            HealthProbeBindAddr = "127.0.0.1:0",
            EnforcingModeText = "strict",
            LogLevel = "warn",
        };
        ScriptedSource source = new();
        WebApplication app = AgentHost.Build(options, new AgentHostOverrides { Source = source });
        try
        {
            await app.StartAsync().WaitAsync(TestTimeouts.Default);
            Assert.True(Directory.Exists(root), "the enforcer pinned nothing under its bpffs root");

            using GrpcChannel channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    ConnectCallback = async (_, ct) =>
                    {
                        Socket socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(options.CniSocket), ct);
                        return new NetworkStream(socket, ownsSocket: true);
                    },
                },
            });
            EnforceNpReply reply = await new NPBackend.NPBackendClient(channel)
                .EnforceNpToPodAsync(new EnforceNpRequest { K8SPODNAME = "no-such-pod", K8SPODNAMESPACE = "npahost", NETWORKPOLICYMODE = "strict", InterfaceCount = 1 })
                .ResponseAsync.WaitAsync(TestTimeouts.Default);
            Assert.False(reply.Success); // no host veth: the pod's set-up must fail, not run unenforced

            // The pipeline meets local pods whose veths do not exist: each fails alone and the agent goes on.
            await source.SendAsync(AgentSamples.Events());
            await source.MarkSyncedAsync();
            using HttpClient http = new() { BaseAddress = new Uri(app.Urls.First(u => u.StartsWith("http://127.0.0.1", StringComparison.Ordinal))) };
            Assert.True(await TestAgent.EventuallyAsync(() =>
                http.GetStringAsync("/metrics").GetAwaiter().GetResult().Contains("npa_stage_errors_total{stage=\"enforce\"}", StringComparison.Ordinal)));
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz").WaitAsync(TestTimeouts.Default)).StatusCode);
        }
        finally
        {
            await app.StopAsync().WaitAsync(TestTimeouts.Default);
            await app.DisposeAsync();
            NodeEnforcer.DeleteRoot(root);
            Directory.Delete(state, recursive: true);
        }
    }
}
