using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.Host.Lab;
using Npa.Host.Lab.Output;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Resolver.Model;
using Npa.Tests.Shared;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Host.Tests.Lab.Kernel;

/// <summary>
/// <c>lab up --kubeconfig</c>: the real Kubernetes source against a fake API server; the lab builds
/// the pods the server reports (by status.podIPs), enforces its NetworkPolicies, follows its watch
/// and leaves nothing behind.
/// </summary>
[Collection(LabCollection.Name)]
public class LabKubernetesTests
{
    /// <summary>Three pods in "shop"; allow-80 selects app=web and admits TCP/80 only, so web pods refuse 8080.</summary>
    private static async Task<Server> ServeShopAsync()
    {
        Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Namespaces, KubeObjects.Namespace("shop"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-1", "10.125.7.1", app: "web"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-2", "10.125.7.2", app: "web"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "api-1", "10.125.7.3", app: "api"));
        server.Upsert(KubeObjects.NetworkPolicies, KubeObjects.Policy("shop", "allow-80", 80));
        return server;
    }

    [NetnsFact]
    public async Task UpWithKubeconfig_EnforcesTheServedPods_AsTheResolverSays_AndFollowsAPolicyChangeFromTheWatch()
    {
        await using Server server = await ServeShopAsync();
        await using KubeLab lab = new(server);
        LabDaemon daemon = await lab.StartAsync();

        Assert.Equal(["10.125.7.3", "10.125.7.1", "10.125.7.2"], daemon.Pods.Select(p => p.Ips.Single().ToString()));
        Assert.Equal(4, lab.LeftoverNamespaces().Count);

        ConnectivityReport expected = Expected(daemon);
        Assert.False(expected.Probes.Single().Matrix["shop/api-1"]["shop/web-1"], "allow-80 is meant to keep TCP/8080 out of web pods");
        Assert.Empty(ConnectivityReport.Differences(await ObserveAsync(daemon), expected));

        // The same policy, now admitting 8080: the change arrives as a MODIFIED event on the open watch.
        server.Upsert(KubeObjects.NetworkPolicies, KubeObjects.Policy("shop", "allow-80", 8080));
        ConnectivityReport changed = await WaitForNewExpectationAsync(daemon, expected);
        Assert.True(changed.Probes.Single().Matrix["shop/api-1"]["shop/web-1"]);
        Assert.Empty(ConnectivityReport.Differences(await ObserveAsync(daemon), changed));

        string bpfRoot = daemon.BpfRoot;
        await lab.DisposeDaemonAsync();
        Assert.Empty(lab.LeftoverNamespaces());
        Assert.False(Directory.Exists(bpfRoot), $"pins left under {bpfRoot}");
        Assert.False(Directory.Exists(lab.StateDirectory));
    }

    [NetnsFact]
    public async Task UpWithKubeconfig_RebuildsPodsThatTheApiServerAdds_ReaddressesOrDeletes()
    {
        await using Server server = await ServeShopAsync();
        await using KubeLab lab = new(server);
        LabDaemon daemon = await lab.StartAsync();
        LabPod web2 = Assert.Single(daemon.Pods, p => p.Pod.Name == "web-2");

        server.Delete(KubeObjects.Pods, "shop", "web-2");
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "api-1", "10.125.7.13", app: "api"));
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "api-2", "10.125.7.4", app: "api"));
        JsonObject pending = KubeObjects.Pod("shop", "pending", "10.125.7.99", app: "api");
        pending["status"] = new JsonObject { ["phase"] = "Pending" };
        server.Upsert(KubeObjects.Pods, pending);
        await WaitUntilAsync(daemon, () => string.Join(" ", daemon.Pods.Select(p => $"{p.Pod.Name}={string.Join(",", p.Ips)}")) ==
            "api-1=10.125.7.13 api-2=10.125.7.4 web-1=10.125.7.1");

        Assert.False(global::Npa.Host.Lab.Kernel.NetNamespace.Exists(web2.Netns), $"{web2.Netns} outlived its pod");
        string addresses = global::Npa.Host.Lab.Kernel.Shell.Ip(Assert.Single(daemon.Pods, p => p.Pod.Name == "api-1").Netns, "-o", "addr", "show", "dev", "eth0");
        Assert.Contains("10.125.7.13", addresses, StringComparison.Ordinal);
        Assert.Empty(ConnectivityReport.Differences(await ObserveAsync(daemon), Expected(daemon)));
        Assert.Contains(daemon.Store.ReadProgrammed()!.Diagnostics, d => d.Contains("shop/pending: no status.podIP", StringComparison.Ordinal));
    }

    [NetnsFact]
    public async Task UpWithKubeconfig_NamesTheServer_WhenItDoesNotAnswer()
    {
        await using KubeLab lab = new(new Uri("http://127.0.0.1:9"));
        LabException e = await Assert.ThrowsAsync<LabException>(() => lab.StartAsync(TimeSpan.FromSeconds(2)));
        Assert.Contains("127.0.0.1:9", e.Message, StringComparison.Ordinal);
        Assert.Contains("did not answer", e.Message, StringComparison.Ordinal);
    }

    [NetnsFact]
    public async Task UpVerb_WithKubeconfig_Detached_ProbesAndComesDown_ThroughTheExecutable()
    {
        await using Server server = await ServeShopAsync();
        await using KubeLab lab = new(server);
        try
        {
            (int up, string upOut) = await Npa("lab", "up", "--kubeconfig", lab.Kubeconfig, "--detach", "--prefix", lab.Prefix, "--state-dir", lab.StateDirectory);
            Assert.True(up == 0, upOut);

            (int probe, string json) = await Npa("lab", "probe", "--state-dir", lab.StateDirectory, "-o", "json");
            Assert.True(probe == 0, json);
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement matrix = Assert.Single(doc.RootElement.GetProperty("probes").EnumerateArray()).GetProperty("matrix");
            Assert.Equal(JsonValueKind.False, matrix.GetProperty("shop/api-1").GetProperty("shop/web-1").ValueKind);
            Assert.Equal(JsonValueKind.True, matrix.GetProperty("shop/web-1").GetProperty("shop/api-1").ValueKind);
        }
        finally
        {
            (int down, string downOut) = await Npa("lab", "down", "--state-dir", lab.StateDirectory);
            Assert.True(down == 0, downOut);
        }

        Assert.Empty(lab.LeftoverNamespaces());
    }

    [Theory]
    [InlineData(false, false, "--file DIR (a manifest folder) or --kubeconfig FILE")]
    [InlineData(true, true, "exclude each other")]
    public async Task UpVerb_WantsExactlyOneOfFileAndKubeconfig(bool file, bool kubeconfig, string message)
    {
        List<string> args = ["lab", "up", "--state-dir", Path.Combine(Path.GetTempPath(), "npk-none-" + Guid.NewGuid().ToString("N"))];
        if (file)
        {
            args.AddRange(["-f", Path.GetTempPath()]);
        }

        if (kubeconfig)
        {
            args.AddRange(["--kubeconfig", "/nonexistent/kubeconfig"]);
        }

        (int code, string output) = await Npa([.. args]);
        Assert.Equal(1, code);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "--cluster-name only names the CloudWatch log group")]
    [InlineData(true, "needs a region: set AWS_REGION")]
    public async Task UpVerb_CloudWatchFlags_AreCheckedBeforeAnythingIsBuilt(bool enable, string message)
    {
        string state = Path.Combine(Path.GetTempPath(), "npk-cw-" + Guid.NewGuid().ToString("N"));
        List<string> args = ["lab", "up", "-f", Path.GetTempPath(), "--state-dir", state, "--cluster-name", "prod"];
        if (enable)
        {
            args.Add("--enable-cloudwatch-logs");
        }

        (int code, string output) = await Npa([.. args]);
        Assert.Equal(1, code);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(state), output);
    }

    [NetnsFact]
    public async Task UpVerb_WithAMissingKubeconfig_SaysSo()
    {
        string state = Path.Combine(Path.GetTempPath(), "npk-missing-" + Guid.NewGuid().ToString("N"));
        (int code, string output) = await Npa("lab", "up", "--kubeconfig", "/nonexistent/npk-kubeconfig", "--state-dir", state, "--prefix", "npk" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)));
        Assert.Equal(1, code);
        Assert.Contains("kubeconfig /nonexistent/npk-kubeconfig does not exist", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(state), output);
    }

    private static ConnectivityReport Expected(LabDaemon daemon) =>
        daemon.Expect(LabProbeRunner.DefaultProbes(daemon.Pods));

    private static Task<ConnectivityReport> ObserveAsync(LabDaemon daemon) =>
        LabProbeRunner.RunAsync(daemon.Pods, LabProbeRunner.DefaultProbes(daemon.Pods), CancellationToken.None).WaitAsync(TestTimeouts.Default);

    /// <summary>Waits until the lab has programmed a cluster whose expected matrix differs from <paramref name="before"/>.</summary>
    private static async Task<ConnectivityReport> WaitForNewExpectationAsync(LabDaemon daemon, ConnectivityReport before)
    {
        ConnectivityReport now = before;
        await WaitUntilAsync(daemon, () => ConnectivityReport.Differences((now = Expected(daemon)), before).Count > 0);
        return now;
    }

    private static async Task WaitUntilAsync(LabDaemon daemon, Func<bool> condition)
    {
        using CancellationTokenSource deadline = new(TestTimeouts.Default);
        while (true)
        {
            await daemon.WaitProgrammedAsync(TestTimeouts.Default, CancellationToken.None).WaitAsync(TestTimeouts.Default);
            if (condition())
            {
                return;
            }

            await Task.Delay(50, deadline.Token);
        }
    }

    private static async Task<(int Code, string Output)> Npa(params string[] args)
    {
        ProcessStartInfo psi = new("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment.Remove("AWS_REGION"); // the CloudWatch checks must not depend on the machine's settings
        psi.Environment.Remove("AWS_DEFAULT_REGION");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "npa.dll"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TestTimeouts.Default);
        return (p.ExitCode, await stdout + await stderr);
    }

    /// <summary>A kubeconfig for a server and a lab on it, under a unique <c>npk…</c> prefix; disposing removes everything.</summary>
    private sealed class KubeLab : IAsyncDisposable
    {
        private LabDaemon? _daemon;

        public KubeLab(Server server)
            : this(server.BaseUri)
        {
        }

        public KubeLab(Uri server)
        {
            Prefix = "npk" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
            Root = Directory.CreateTempSubdirectory(Prefix + "-").FullName;
            StateDirectory = Path.Combine(Root, "state");
            Kubeconfig = Path.Combine(Root, "kubeconfig");
            File.WriteAllText(Kubeconfig, $$"""
                apiVersion: v1
                kind: Config
                clusters:
                - name: fake
                  cluster:
                    server: {{server}}
                users:
                - name: tester
                  user:
                    token: lab-token
                contexts:
                - name: fake
                  context: {cluster: fake, user: tester}
                current-context: fake
                """);
        }

        public string Prefix { get; }

        public string Root { get; }

        public string StateDirectory { get; }

        public string Kubeconfig { get; }

        public async Task<LabDaemon> StartAsync(TimeSpan? apiTimeout = null)
        {
            LabOptions options = new(LabOptions.ObservedDirectory(StateDirectory), StateDirectory)
            {
                Prefix = Prefix,
                Kubeconfig = Kubeconfig,
                RescanInterval = TimeSpan.FromMilliseconds(500),
                ApiReadyTimeout = apiTimeout ?? TimeSpan.FromSeconds(30),
            };
            _daemon = new LabDaemon(options, NullLoggerFactory.Instance);
            await _daemon.StartAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
            return _daemon;
        }

        public async Task DisposeDaemonAsync()
        {
            if (_daemon is not null)
            {
                await _daemon.DisposeAsync();
            }
        }

        public IReadOnlyList<string> LeftoverNamespaces() =>
            Directory.Exists("/run/netns") ? [.. Directory.GetFiles("/run/netns").Select(Path.GetFileName).OfType<string>().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))] : [];

        public async ValueTask DisposeAsync()
        {
            try
            {
                await DisposeDaemonAsync();
            }
            finally
            {
                foreach (string ns in LeftoverNamespaces())
                {
                    global::Npa.Host.Lab.Kernel.Shell.Run("ip", ["netns", "del", ns]);
                }

                Directory.Delete(Root, recursive: true);
            }
        }
    }
}
