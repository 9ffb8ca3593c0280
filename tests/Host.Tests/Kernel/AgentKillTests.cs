using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Npa.Enforcer;
using Npa.Enforcer.Inspect;
using Npa.Host.Lab;
using Npa.Host.Lab.Kernel;
using Npa.Host.Lab.Traffic;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Resolver.Model;
using Npa.Tests.Shared;
using Xunit.Abstractions;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Host.Tests.Kernel;

/// <summary>
/// The agent as a real process in a node namespace, killed with SIGKILL under steady traffic: the pinned
/// programs and maps keep enforcing while no agent runs, and an agent restarted with the API server
/// unreachable comes back from its journal without changing any pod's verdicts.
/// </summary>
public class AgentKillTests(ITestOutputHelper output)
{
    private const string Namespace = "shop";
    private const string NodeName = "npk9-node";
    private const int AllowedPort = 8080;
    private const int DeniedPort = 8081;
    private const int ApiPort = 6443;
    private const int HealthPort = 8163;
    // A dropped SYN is never answered; an admitted one is answered within a millisecond, so 300 ms calls a drop and
    // the allowed side gets seconds (a loaded machine must not turn a slow accept into a misjudgement).
    private static readonly TimeSpan DeniedTimeout = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan AllowedTimeout = TimeSpan.FromSeconds(3);

    [KernelFact]
    public Task KillNine_UnderSteadyTraffic_ThenRestartWithTheApiServerUnreachable_MisjudgesNoProbe() =>
        KillAndRestartAsync("networkpolicies");

    [KernelFact]
    public Task KillNine_WithRulesFromPolicyEndpoints_ThenRestartWithTheApiServerUnreachable_MisjudgesNoProbe() =>
        KillAndRestartAsync("policyendpoints");

    private async Task KillAndRestartAsync(string policySource)
    {
        await using KillLab lab = new();
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Namespaces, KubeObjects.Namespace(Namespace));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod(Namespace, "client", lab.ClientIp.ToString(), node: NodeName, app: "api"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod(Namespace, "web", lab.WebIp.ToString(), node: NodeName, app: "web"));
        // allow-8080 isolates app=web for ingress and admits TCP/8080 only: client -> web:8081 must be dropped.
        server.Upsert(KubeObjects.NetworkPolicies, KubeObjects.Policy(Namespace, "allow-8080", AllowedPort));
        server.Upsert(KubeObjects.PolicyEndpoints, AllowPortEndpoint(lab.WebIp, AllowedPort));
        lab.ForwardApiServer(server.BaseUri);

        AgentProcess first = lab.StartAgent(policySource);
        Assert.True(await lab.WaitAsync(async () => await lab.ReadyzAsync() == "ready" && await lab.EnforcedAsync()),
            $"the agent never became ready and enforcing: {await lab.ReadyzAsync()}\n{first.Output}");

        IReadOnlyList<string> programmed = lab.ProgrammedState();
        Assert.Contains(programmed, l => l.Contains($"{Namespace}/web", StringComparison.Ordinal));
        await using SteadyProbes probes = SteadyProbes.Start(lab);
        await probes.WaitRoundsAsync(20);

        probes.Phase = "no agent";
        first.KillNine();
        Assert.False(first.IsAlive, "SIGKILL left the agent running");
        Assert.Equal("", lab.ProcessesInNode()); // nothing of the agent survives in the node namespace
        await probes.WaitRoundsAsync(20); // no agent at all: the pins alone enforce

        probes.Phase = "API server unreachable, agent restarting";
        lab.StopApiServer();
        AgentProcess second = lab.StartAgent(policySource);
        string? readyz = null;
        Assert.True(await lab.WaitAsync(async () => (readyz = await lab.ReadyzAsync())?.Contains("journal restored", StringComparison.Ordinal) == true),
            $"the restarted agent never restored its journal: {readyz}\n{second.Output}");
        Assert.Contains("source listing", readyz, StringComparison.Ordinal); // it cannot reach the API server, and says so
        probes.Phase = "agent restored from its journal";
        await probes.WaitRoundsAsync(40);
        Assert.True(second.IsAlive, $"the restarted agent exited without its API server:\n{second.Output}");
        Assert.Equal(programmed, lab.ProgrammedState()); // every pod's mode and rules as the first agent left them

        ProbeTally tally = await probes.StopAsync();
        output.WriteLine(string.Join('\n', programmed));
        output.WriteLine("first agent:\n" + first.Output);
        output.WriteLine("restarted agent:\n" + second.Output);
        output.WriteLine($"probes: {tally.Total} ({tally.Allowed} to TCP/{AllowedPort}, {tally.Denied} to TCP/{DeniedPort}), misjudged: {tally.Misjudged.Count}");
        Assert.True(tally.Misjudged.Count == 0, $"{tally.Misjudged.Count} of {tally.Total} probes misjudged:\n{string.Join('\n', tally.Misjudged.Take(20))}");
        Assert.True(tally.Allowed >= 80 && tally.Denied >= 80, $"too few probes ran: {tally.Allowed} allowed, {tally.Denied} denied");
    }

    /// <summary>The PolicyEndpoint a controller publishes for allow-8080: web isolated for ingress, TCP/8080 from anywhere.</summary>
    private static JsonObject AllowPortEndpoint(IPAddress webIp, int port) => new()
    {
        ["apiVersion"] = "networking.k8s.aws/v1alpha1",
        ["kind"] = "PolicyEndpoint",
        ["metadata"] = new JsonObject { ["namespace"] = Namespace, ["name"] = "allow-8080-x7k2q" },
        ["spec"] = new JsonObject
        {
            ["policyRef"] = new JsonObject { ["name"] = "allow-8080", ["namespace"] = Namespace },
            ["podIsolation"] = new JsonArray("Ingress"),
            ["podSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } },
            ["podSelectorEndpoints"] = new JsonArray(new JsonObject
            {
                ["hostIP"] = "10.0.0.1",
                ["podIP"] = webIp.ToString(),
                ["name"] = "web",
                ["namespace"] = Namespace,
            }),
            ["ingress"] = new JsonArray(new JsonObject
            {
                ["cidr"] = "0.0.0.0/0",
                ["ports"] = new JsonArray(new JsonObject { ["protocol"] = "TCP", ["port"] = port }),
            }),
        },
    };

    internal sealed record ProbeTally(int Allowed, int Denied, IReadOnlyList<string> Misjudged)
    {
        public int Total => Allowed + Denied;
    }

    /// <summary>client -> web on the allowed and the denied port, round after round, until stopped.</summary>
    private sealed class SteadyProbes : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<string> _misjudged = [];
        private Task _loop = Task.CompletedTask;
        private int _rounds;
        private int _allowed;
        private int _denied;

        /// <summary>What the node is going through; each misjudged probe names it.</summary>
        public string Phase { get; set; } = "agent running";

        public static SteadyProbes Start(KillLab lab)
        {
            SteadyProbes p = new();
            p._loop = Task.Run(() => p.RunAsync(lab));
            return p;
        }

        private async Task RunAsync(KillLab lab)
        {
            while (!_stop.IsCancellationRequested)
            {
                ProbeOutcome allowed = await Prober.ProbeAsync(lab.Client, lab.Web, new LabPort(Protocol.Tcp, AllowedPort), AllowedTimeout, CancellationToken.None);
                ProbeOutcome denied = await Prober.ProbeAsync(lab.Client, lab.Web, new LabPort(Protocol.Tcp, DeniedPort), DeniedTimeout, CancellationToken.None);
                lock (_misjudged)
                {
                    _allowed++;
                    _denied++;
                    if (allowed.Verdict != ProbeVerdict.Allowed)
                    {
                        _misjudged.Add($"{DateTime.UtcNow:HH:mm:ss.fff} ({Phase}) TCP/{AllowedPort} {allowed.Verdict}: {allowed.Detail}");
                    }

                    if (denied.Verdict != ProbeVerdict.Denied)
                    {
                        _misjudged.Add($"{DateTime.UtcNow:HH:mm:ss.fff} ({Phase}) TCP/{DeniedPort} {denied.Verdict}: {denied.Detail}");
                    }
                }

                Interlocked.Increment(ref _rounds);
                await Task.Delay(50);
            }
        }

        public async Task WaitRoundsAsync(int count)
        {
            int target = Volatile.Read(ref _rounds) + count;
            using CancellationTokenSource deadline = new(TestTimeouts.Default);
            while (Volatile.Read(ref _rounds) < target)
            {
                Assert.False(_loop.IsCompleted, $"the probe loop stopped: {_loop.Exception}");
                await Task.Delay(50, deadline.Token);
            }
        }

        public async Task<ProbeTally> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop.WaitAsync(TestTimeouts.Default);
            lock (_misjudged)
            {
                return new ProbeTally(_allowed, _denied, [.. _misjudged]);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop.WaitAsync(TestTimeouts.Default).ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }
    }

    /// <summary>
    /// A node namespace with two EKS-named pod veths (client, web), web's listeners, a forward from the
    /// node's 127.0.0.1:6443 to the fake API server, and a state directory and bpffs root; all unique
    /// under <c>npk9</c>, all removed on dispose.
    /// </summary>
    private sealed class KillLab : IAsyncDisposable
    {
        private readonly LabTopology _topology;
        private readonly PodListeners _listeners;
        private readonly List<AgentProcess> _agents = [];
        private NetnsForwarder? _api;

        public KillLab()
        {
            string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
            _topology = new LabTopology("npk9", id);
            BpffsRoot = $"/sys/fs/bpf/npk9-{id}";
            State = Directory.CreateTempSubdirectory($"npk9-{id}-").FullName;
            Kubeconfig = Path.Combine(State, "kubeconfig");
            File.WriteAllText(Kubeconfig, $$"""
                apiVersion: v1
                kind: Config
                clusters:
                - name: fake
                  cluster:
                    server: http://127.0.0.1:{{ApiPort}}
                users:
                - name: agent
                  user:
                    token: agent-token
                contexts:
                - name: fake
                  context: {cluster: fake, user: agent}
                current-context: fake
                """);
            byte third = RandomNumberGenerator.GetBytes(1)[0];
            ClientIp = IPAddress.Parse($"10.209.{third}.10");
            WebIp = IPAddress.Parse($"10.209.{third}.20");
            try
            {
                _topology.CreateNode();
                Client = _topology.AddPod(new ObjectRef(Namespace, "client"), [ClientIp], []);
                Web = _topology.AddPod(new ObjectRef(Namespace, "web"), [WebIp], [new LabPort(Protocol.Tcp, AllowedPort), new LabPort(Protocol.Tcp, DeniedPort)]);
                _listeners = PodListeners.Start(Web);
            }
            catch
            {
                Cleanup();
                throw;
            }
        }

        public string BpffsRoot { get; }

        public string State { get; }

        public string Kubeconfig { get; }

        public IPAddress ClientIp { get; }

        public IPAddress WebIp { get; }

        public LabPod Client { get; } = null!;

        public LabPod Web { get; } = null!;

        public void ForwardApiServer(Uri server) =>
            _api = NetnsForwarder.Start(_topology.NodeNetns, ApiPort, new IPEndPoint(IPAddress.Parse(server.Host), server.Port));

        /// <summary>Closes the node's way to the API server: new connections are refused, open ones cut.</summary>
        public void StopApiServer()
        {
            _api?.Dispose();
            _api = null;
        }

        public AgentProcess StartAgent(string policySource)
        {
            AgentProcess agent = AgentProcess.Start(_topology.NodeNetns,
            [
                "agent", "--enable-network-policy=true", $"--policy-source={policySource}",
                $"--kubeconfig={Kubeconfig}", $"--node-name={NodeName}",
                $"--journal-dir={Path.Combine(State, "journal")}", $"--bpffs-root={BpffsRoot}",
                $"--cni-socket={Path.Combine(State, "npa.sock")}", $"--log-file={Path.Combine(State, "flows.log")}",
                "--metrics-bind-addr=127.0.0.1:8162", $"--health-probe-bind-addr=127.0.0.1:{HealthPort}", "--log-level=info",
            ]);
            _agents.Add(agent);
            return agent;
        }

        /// <summary>The agent's /readyz body from inside the node namespace, or null when nothing answers.</summary>
        public async Task<string?> ReadyzAsync()
        {
            try
            {
                using Socket s = NetNamespace.Run(_topology.NodeNetns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
                using CancellationTokenSource deadline = new(TimeSpan.FromSeconds(2));
                await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, HealthPort), deadline.Token);
                await s.SendAsync(Encoding.ASCII.GetBytes("GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), deadline.Token);
                using MemoryStream response = new();
                byte[] buffer = new byte[4096];
                int n;
                while ((n = await s.ReceiveAsync(buffer, deadline.Token)) > 0)
                {
                    response.Write(buffer, 0, n);
                }

                string text = Encoding.ASCII.GetString(response.ToArray());
                int body = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                return body < 0 ? null : text[(body + 4)..].Trim();
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                return null;
            }
        }

        /// <summary>Pids of processes in the node namespace (<c>ip netns pids</c>), blank when none.</summary>
        public string ProcessesInNode() => Shell.Check("ip", "netns", "pids", _topology.NodeNetns).Trim();

        /// <summary>What the pins say: each programmed pod with its modes, then its rules decoded.</summary>
        public IReadOnlyList<string> ProgrammedState()
        {
            using NodeEnforcer enforcer = NodeEnforcer.OpenExisting(BpffsRoot);
            List<string> lines = [.. EbpfInspector.Pods(enforcer)];
            foreach (PodStatus pod in enforcer.Pods().OrderBy(p => p.Pod.ToString(), StringComparer.Ordinal))
            {
                lines.Add($"{pod.Pod}:");
                lines.AddRange(EbpfInspector.Dump(enforcer, pod.Pod));
            }

            return lines;
        }

        /// <summary>True when client reaches web's allowed port and not its denied one.</summary>
        public async Task<bool> EnforcedAsync() =>
            (await Prober.ProbeAsync(Client, Web, new LabPort(Protocol.Tcp, AllowedPort), AllowedTimeout, CancellationToken.None)).Verdict == ProbeVerdict.Allowed &&
            (await Prober.ProbeAsync(Client, Web, new LabPort(Protocol.Tcp, DeniedPort), DeniedTimeout, CancellationToken.None)).Verdict == ProbeVerdict.Denied;

        public async Task<bool> WaitAsync(Func<Task<bool>> condition)
        {
            Stopwatch clock = Stopwatch.StartNew();
            while (clock.Elapsed < TestTimeouts.Default)
            {
                if (await condition().WaitAsync(TestTimeouts.Default))
                {
                    return true;
                }

                await Task.Delay(100);
            }

            return false;
        }

        public async ValueTask DisposeAsync()
        {
            await _listeners.DisposeAsync().AsTask().WaitAsync(TestTimeouts.Default);
            Cleanup();
        }

        private void Cleanup()
        {
            foreach (AgentProcess agent in _agents)
            {
                agent.KillNine();
            }

            StopApiServer();
            LabTopology.RemoveAll(_topology.Prefix, _topology.LabId);
            if (Directory.Exists(BpffsRoot))
            {
                NodeEnforcer.DeleteRoot(BpffsRoot);
            }

            Directory.Delete(State, recursive: true);
        }
    }

    /// <summary><c>npa agent</c> as a child process: nsenter execs dotnet in the node namespace, so the pid is the agent's.</summary>
    internal sealed class AgentProcess
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private AgentProcess(Process process) => _process = process;

        public bool IsAlive => !_process.HasExited;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static AgentProcess Start(string netns, IEnumerable<string> args)
        {
            ProcessStartInfo psi = new("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in (string[])[$"--net={NetNamespace.PathOf(netns)}", "--", "dotnet", Path.Combine(AppContext.BaseDirectory, "npa.dll"), .. args])
            {
                psi.ArgumentList.Add(a);
            }

            AgentProcess agent = new(Process.Start(psi) ?? throw new InvalidOperationException("cannot start nsenter"));
            agent._process.OutputDataReceived += (_, e) => agent.Append(e.Data);
            agent._process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
            agent._process.BeginOutputReadLine();
            agent._process.BeginErrorReadLine();
            return agent;
        }

        /// <summary>SIGKILL to the agent's own pid (nsenter exec'd into dotnet), then waits for it to be gone.</summary>
        public void KillNine()
        {
            if (_process.HasExited)
            {
                return;
            }

            _process.Kill();
            if (!_process.WaitForExit(TestTimeouts.Default))
            {
                throw new TimeoutException($"agent pid {_process.Id} outlived SIGKILL");
            }
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }

    /// <summary>
    /// Listens on 127.0.0.1:PORT inside a namespace (the socket is opened there) and pipes each connection to
    /// an endpoint of this process's namespace. Disposing closes the listener and every open connection.
    /// </summary>
    private sealed class NetnsForwarder : IDisposable
    {
        private readonly Socket _listener;
        private readonly IPEndPoint _target;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Socket> _open = [];

        private NetnsForwarder(Socket listener, IPEndPoint target)
        {
            _listener = listener;
            _target = target;
        }

        public static NetnsForwarder Start(string netns, int port, IPEndPoint target)
        {
            Socket listener = NetNamespace.Run(netns, () =>
            {
                Socket s = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Bind(new IPEndPoint(IPAddress.Loopback, port));
                s.Listen(64);
                return s;
            });
            NetnsForwarder f = new(listener, target);
            _ = Task.Run(f.AcceptLoopAsync);
            return f;
        }

        private async Task AcceptLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket? inner = null;
                Socket outer = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    inner = await _listener.AcceptAsync(_stop.Token);
                    await outer.ConnectAsync(_target, _stop.Token);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    inner?.Dispose();
                    outer.Dispose();
                    continue;
                }

                lock (_open)
                {
                    _open.Add(inner);
                    _open.Add(outer);
                }

                _ = PipeAsync(inner, outer);
                _ = PipeAsync(outer, inner);
            }
        }

        private async Task PipeAsync(Socket from, Socket to)
        {
            byte[] buffer = new byte[16384];
            try
            {
                int n;
                while ((n = await from.ReceiveAsync(buffer, _stop.Token)) > 0)
                {
                    await to.SendAsync(buffer.AsMemory(0, n), _stop.Token);
                }

                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                from.Dispose();
                to.Dispose();
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Dispose();
            lock (_open)
            {
                foreach (Socket s in _open)
                {
                    s.Dispose();
                }
            }
        }
    }
}
