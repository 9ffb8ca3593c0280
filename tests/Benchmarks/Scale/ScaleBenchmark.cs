using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Npa.Ingest.Kubernetes;
using Npa.Ingest.Translation;
using Npa.Resolver.Events;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Tests.Shared.Scale;

namespace Npa.Benchmarks.Scale;

/// <summary>
/// The scale scenario (100 namespaces, 5,000 pods on 50 nodes, 500 Services, 1,000 NetworkPolicies) served
/// by the in-process fake API server (or a real one, <c>--kubeconfig</c>), with the shipped <c>npa</c> run as
/// child processes against it: the controller from start to correct PolicyEndpoints, the writes a restart
/// makes on a converged cluster, pod-add latency, CPU per pod change and peak memory; the node agent's time
/// to ready and peak memory with each policy source; the pod list through Ingest and the resolver alone on
/// the same objects. Every figure is printed beside its target.
/// <para>
/// Args: <c>[--namespaces 100] [--pods-per-namespace 50] [--nodes 50] [--pod-adds 20] [--burst 60]
/// [--converge-timeout 600] [--restart-wait 15] [--node node-7] [--kubeconfig FILE] [--skip-agent] [--agents-only]
/// [--gcdump PATH-TO-dotnet-gcdump] [-- controller flags...]</c>.
/// </para>
/// </summary>
internal static class ScaleBenchmark
{
    public static int Run(string[] args) => RunAsync(ScaleArgs.Parse(args)).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(ScaleArgs args)
    {
        string root = RepositoryRoot();
        Console.WriteLine("scale: building npa (./npa version)...");
        using (Process build = Process.Start(new ProcessStartInfo("bash", [Path.Combine(root, "npa"), "version"]))!)
        {
            await build.WaitForExitAsync().ConfigureAwait(false);
            if (build.ExitCode != 0)
            {
                Console.Error.WriteLine("scale: npa did not build");
                return 1;
            }
        }

        string work = Directory.CreateTempSubdirectory("npa-scale-").FullName;
        ScaleScenario scenario = new(args.Size);
        ScaleReport report = new(args);
        using CancellationTokenSource stop = new();
        IScaleCluster cluster = args.Kubeconfig is null
            ? await FakeScaleCluster.StartAsync(Path.Combine(work, "api")).ConfigureAwait(false)
            : new ApiScaleCluster(args.Kubeconfig);
        await using (cluster.ConfigureAwait(false))
        {
            Console.WriteLine($"scale: {scenario.PodCount:N0} pods in {args.Size.Namespaces} namespaces on {args.Size.Nodes} nodes, " +
                $"{args.Size.Namespaces * args.Size.PoliciesPerNamespace:N0} policies; {cluster.Description}; logs in {work}");
            ExpectedSelection expected = new();
            await PopulateAsync(cluster, scenario, expected, report, stop.Token).ConfigureAwait(false);
            ResolverState resolved = MeasureResolver(scenario, report);
            await MeasurePodListAsync(cluster, report, stop.Token).ConfigureAwait(false);
            if (args.AgentsOnly)
            {
                await PublishBuiltPolicyEndpointsAsync(cluster, resolved, stop.Token).ConfigureAwait(false);
                foreach (string source in new[] { "policyendpoints", "networkpolicies" })
                {
                    report.Agents[source] = await MeasureAgentAsync(root, cluster, work, args, source).ConfigureAwait(false);
                }

                await stop.CancelAsync().ConfigureAwait(false);
                report.Print();
                return 0;
            }

            PolicyEndpointTracker tracker = new();
            await cluster.FollowAsync(tracker, stop.Token).ConfigureAwait(false);
            ControllerRun controller = new(root, cluster, work, args);
            NpaProcess first = controller.Start("controller-1");
            try
            {
                report.Converged = await WaitConvergedAsync(first, expected, tracker, args.ConvergeTimeout).ConfigureAwait(false);
                report.ControllerPeakAfterStart = first.PeakResidentBytes();
                if (report.Converged.Seconds is not null)
                {
                    await MeasurePodAddsAsync(cluster, scenario, expected, tracker, args, report, stop.Token).ConfigureAwait(false);
                    await MeasureBurstAsync(first, cluster, scenario, expected, tracker, args, report, stop.Token).ConfigureAwait(false);
                }

                if (!args.SkipAgent)
                {
                    foreach (string source in new[] { "policyendpoints", "networkpolicies" })
                    {
                        report.Agents[source] = await MeasureAgentAsync(root, cluster, work, args, source).ConfigureAwait(false);
                    }
                }

                report.ControllerPeak = first.PeakResidentBytes();
            }
            finally
            {
                first.Stop(TimeSpan.FromSeconds(10));
                first.Dispose();
            }

            if (report.Converged.Seconds is not null)
            {
                await MeasureRestartAsync(controller, cluster, expected, tracker, args, report).ConfigureAwait(false);
            }

            await stop.CancelAsync().ConfigureAwait(false);
        }

        report.Print();
        return 0;
    }

    private static async Task PopulateAsync(IScaleCluster cluster, ScaleScenario scenario, ExpectedSelection expected, ScaleReport report, CancellationToken cancellationToken)
    {
        Stopwatch clock = Stopwatch.StartNew();
        await cluster.CreateAsync("api/v1/namespaces", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = "kube-system", ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = "kube-system" } },
        }, cancellationToken).ConfigureAwait(false);
        await cluster.CreateAsync("api/v1/configmaps", ScaleScenario.CniConfigMap(), cancellationToken).ConfigureAwait(false);
        foreach (JsonObject ns in scenario.Namespaces())
        {
            await cluster.CreateAsync("api/v1/namespaces", ns, cancellationToken).ConfigureAwait(false);
        }

        // Four writers at once, as a deployment tool would; an in-process store does not mind.
        async Task CreateAllAsync(string collection, IEnumerable<JsonObject> objects)
        {
            await Parallel.ForEachAsync(objects, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
                async (obj, token) => await cluster.CreateAsync(collection, obj, token).ConfigureAwait(false)).ConfigureAwait(false);
        }

        List<JsonObject> pods = [.. scenario.Pods()];
        List<JsonObject> policies = [.. scenario.NetworkPolicies()];
        await CreateAllAsync("api/v1/services", scenario.Services()).ConfigureAwait(false);
        await CreateAllAsync("apis/networking.k8s.io/v1/networkpolicies", policies).ConfigureAwait(false);
        await CreateAllAsync("api/v1/pods", pods).ConfigureAwait(false);
        report.Populate = clock.Elapsed;
        foreach (JsonObject pod in pods)
        {
            expected.Pod(pod);
        }

        foreach (JsonObject policy in policies)
        {
            expected.Policy(policy);
        }
    }

    /// <summary>The resolver's own full resolution of the same objects, translated by Ingest (median of three after a warm-up).</summary>
    private static ResolverState MeasureResolver(ScaleScenario scenario, ScaleReport report)
    {
        ClusterSnapshot snapshot = new(
            [.. scenario.Namespaces().Select(n => NamespaceTranslator.Translate(n).Value!)],
            [.. scenario.Pods().Select(p => PodTranslator.Translate(p).Value!)],
            [.. scenario.NetworkPolicies().Select(p => NetworkPolicyTranslator.Translate(p).Value!)],
            [.. scenario.Services().Select(s => ServiceTranslator.Translate(s).Value!)]);
        ResolverState state = ResolverState.FromSnapshot(snapshot);
        List<TimeSpan> times = [];
        for (int i = 0; i < 3; i++)
        {
            Stopwatch clock = Stopwatch.StartNew();
            state = ResolverState.FromSnapshot(snapshot);
            times.Add(clock.Elapsed);
        }

        report.ResolverFull = times.Order().ElementAt(1);
        report.ResolverPolicyEndpoints = PolicyEndpointBuilder.BuildAll(state).Count;
        return state;
    }

    /// <summary>What a converged controller would have published: the builder's PolicyEndpoints, as the controller writes them.</summary>
    private static async Task PublishBuiltPolicyEndpointsAsync(IScaleCluster cluster, ResolverState state, CancellationToken cancellationToken)
    {
        int n = 0;
        foreach (PolicyEndpointSpec spec in PolicyEndpointBuilder.BuildAll(state))
        {
            JsonObject pe = Npa.Ingest.Kubernetes.Controller.PolicyEndpointJson.NewObject(spec, "");
            pe["metadata"]!["name"] = $"{spec.PolicyRef.Name}-{n++:D5}";
            await cluster.CreateAsync("apis/networking.k8s.aws/v1alpha1/policyendpoints", pe, cancellationToken).ConfigureAwait(false);
        }

        Console.WriteLine($"scale: published {n:N0} PolicyEndpoints built by the resolver (no controller)");
    }

    /// <summary>Every pod listed and translated through Ingest's informer, as the controller and a standalone agent list them.</summary>
    private static async Task MeasurePodListAsync(IScaleCluster cluster, ScaleReport report, CancellationToken cancellationToken)
    {
        Channel<ClusterEvent> events = Channel.CreateBounded<ClusterEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.Wait });
        int pods = 0;
        Task drain = Task.Run(async () =>
        {
            await foreach (ClusterEvent e in events.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (e is PodUpserted)
                {
                    pods++;
                }
            }
        }, CancellationToken.None);
        using CancellationTokenSource done = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Stopwatch clock = Stopwatch.StartNew();
        RunningSource source = KubernetesSource.Start(cluster.Kubeconfig, new SourceScope(new HashSet<ResourceKind> { ResourceKind.Pod }, null), events.Writer, done.Token);
        await using (source.ConfigureAwait(false))
        {
            await source.Ready.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
            report.PodList = clock.Elapsed;
        }

        events.Writer.TryComplete();
        await drain.ConfigureAwait(false);
        report.PodListCount = pods;
    }

    private static async Task<Convergence> WaitConvergedAsync(NpaProcess controller, ExpectedSelection expected, PolicyEndpointTracker tracker, TimeSpan timeout)
    {
        int wrong = expected.Policies.Count;
        while (controller.Started.Elapsed < timeout)
        {
            if (controller.HasExited)
            {
                Console.Error.WriteLine($"scale: the controller exited:\n{controller.LogTail()}");
                return new Convergence(null, wrong);
            }

            wrong = expected.CountWrong(tracker);
            if (wrong == 0)
            {
                return new Convergence(controller.Started.Elapsed.TotalSeconds, 0);
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        Console.Error.WriteLine($"scale: {wrong} policies still wrong after {timeout.TotalSeconds:F0} s");
        return new Convergence(null, wrong);
    }

    /// <summary>New pods one at a time; each is timed until every policy selecting it names its IP.</summary>
    private static async Task MeasurePodAddsAsync(IScaleCluster cluster, ScaleScenario scenario, ExpectedSelection expected, PolicyEndpointTracker tracker,
        ScaleArgs args, ScaleReport report, CancellationToken cancellationToken)
    {
        for (int i = 0; i < args.PodAdds; i++)
        {
            int ns = (i * 7) % scenario.Size.Namespaces;
            JsonObject pod = scenario.Pod(ns, scenario.Size.PodsPerNamespace + AddedPods++);
            expected.Pod(pod);
            ObjectRef podRef = new(ScaleScenario.NamespaceName(ns), pod["metadata"]!["name"]!.GetValue<string>());
            IReadOnlyList<ObjectRef> selecting = expected.Selecting(podRef);
            string ip = pod["status"]!["podIP"]!.GetValue<string>();
            Stopwatch clock = Stopwatch.StartNew();
            Task<TimeSpan> named = tracker.WhenNamedBy([.. selecting], ip, clock);
            await cluster.CreateAsync("api/v1/pods", pod, cancellationToken).ConfigureAwait(false);
            try
            {
                report.PodAdds.Add(await named.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false));
            }
            catch (TimeoutException)
            {
                report.PodAddTimeouts++;
            }

            await Task.Delay(args.PodAddInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static int AddedPods { get; set; }

    /// <summary>A burst of pod adds, relabels and deletes; the controller's CPU time over it (idle cost taken out), per change.</summary>
    private static async Task MeasureBurstAsync(NpaProcess controller, IScaleCluster cluster, ScaleScenario scenario, ExpectedSelection expected,
        PolicyEndpointTracker tracker, ScaleArgs args, ScaleReport report, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        TimeSpan idleStart = controller.CpuTime();
        Stopwatch idleClock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        double idleCpuPerSecond = (controller.CpuTime() - idleStart).TotalSeconds / idleClock.Elapsed.TotalSeconds;

        TimeSpan before = controller.CpuTime();
        Stopwatch clock = Stopwatch.StartNew();
        List<(int Ns, string Name)> added = [];
        for (int i = 0; i < args.Burst; i++)
        {
            int ns = (i * 13) % scenario.Size.Namespaces;
            string nsName = ScaleScenario.NamespaceName(ns);
            switch (i % 3)
            {
                case 0:
                    JsonObject pod = scenario.Pod(ns, scenario.Size.PodsPerNamespace + AddedPods++);
                    expected.Pod(pod);
                    await cluster.CreateAsync("api/v1/pods", pod, cancellationToken).ConfigureAwait(false);
                    added.Add((ns, pod["metadata"]!["name"]!.GetValue<string>()));
                    break;
                case 1:
                    int p = (i * 11) % Math.Max(1, scenario.Size.PodsPerNamespace);
                    string app = $"a{(p + 1 + i) % 8}";
                    JsonObject relabelled = scenario.Pod(ns, p, app);
                    expected.Pod(relabelled);
                    await cluster.PatchAsync("api/v1/pods", nsName, $"p{p}",
                        new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app } } }, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    if (added.Count > 0)
                    {
                        (int dns, string name) = added[0];
                        added.RemoveAt(0);
                        expected.PodDeleted(ScaleScenario.NamespaceName(dns), name);
                        await cluster.DeleteAsync("api/v1/pods", ScaleScenario.NamespaceName(dns), name, cancellationToken).ConfigureAwait(false);
                    }

                    break;
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        TimeSpan limit = TimeSpan.FromSeconds(120);
        while (expected.CountWrong(tracker) > 0 && clock.Elapsed < limit)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        report.BurstConverged = clock.Elapsed < limit ? clock.Elapsed : null;
        // Let the last reconcile finish before reading the clock of the process.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        double cpu = (controller.CpuTime() - before).TotalSeconds;
        double idle = idleCpuPerSecond * clock.Elapsed.TotalSeconds;
        report.CpuPerChange = TimeSpan.FromSeconds(Math.Max(0, cpu - idle) / args.Burst);
        report.IdleCpuPerSecond = idleCpuPerSecond;
    }

    private static async Task<AgentFigures> MeasureAgentAsync(string root, IScaleCluster cluster, string work, ScaleArgs args, string source)
    {
        string dir = Path.Combine(work, $"agent-{source}");
        Directory.CreateDirectory(dir);
        int health = FreePort();
        int metrics = FreePort();
        using NpaProcess agent = NpaProcess.Start(root, Path.Combine(dir, "agent.out"),
        [
            "agent", "--kubeconfig", cluster.Kubeconfig, "--node-name", args.Node, "--enable-network-policy=true", "--dry-run", "--policy-source", source,
            "--journal-dir", Path.Combine(dir, "journal"), "--bpffs-root", Path.Combine(dir, "bpffs"), "--cni-socket", Path.Combine(dir, "cni.sock"),
            "--log-file", Path.Combine(dir, "agent.log"), "--enable-policy-event-logs=false",
            "--health-probe-bind-addr", $"127.0.0.1:{health}", "--metrics-bind-addr", $"127.0.0.1:{metrics}",
        ]);
        using HttpClient http = new() { Timeout = TimeSpan.FromSeconds(2) };
        double? ready = null;
        while (agent.Started.Elapsed < TimeSpan.FromSeconds(120) && !agent.HasExited)
        {
            try
            {
                using HttpResponseMessage response = await http.GetAsync(new Uri($"http://127.0.0.1:{health}/readyz")).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    ready = agent.Started.Elapsed.TotalSeconds;
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy; ask again.
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        if (agent.HasExited || ready is null)
        {
            Console.Error.WriteLine($"scale: agent ({source}) {(agent.HasExited ? "exited" : "not ready in 120 s")}:\n{agent.LogTail()}");
        }

        // Settle: the first resolution and the dry-run enforcement follow readiness.
        await Task.Delay(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        long peak = agent.HasExited ? 0 : agent.PeakResidentBytes();
        if (args.GcDumpTool is not null && !agent.HasExited)
        {
            await GcDumpAsync(args.GcDumpTool, agent.Id, Path.Combine(dir, "agent.gcdump"), $"agent ({source})").ConfigureAwait(false);
        }

        agent.Stop(TimeSpan.FromSeconds(10));
        return new AgentFigures(ready, peak);
    }

    /// <summary>Kills the converged controller, starts another, and counts PolicyEndpoint writes over the wait.</summary>
    private static async Task MeasureRestartAsync(ControllerRun controller, IScaleCluster cluster, ExpectedSelection expected, PolicyEndpointTracker tracker,
        ScaleArgs args, ScaleReport report)
    {
        await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        long before = cluster.PolicyEndpointWrites();
        using NpaProcess second = controller.Start("controller-2");
        int worstWrong = 0;
        while (second.Started.Elapsed < args.RestartWait)
        {
            worstWrong = Math.Max(worstWrong, expected.CountWrong(tracker));
            await Task.Delay(200).ConfigureAwait(false);
        }

        report.RestartWrites = cluster.PolicyEndpointWrites() - before;
        report.RestartWorstWrong = worstWrong;
        report.RestartWrongAtEnd = expected.CountWrong(tracker);
        report.ControllerPeak = Math.Max(report.ControllerPeak, second.HasExited ? 0 : second.PeakResidentBytes());
        second.Stop(TimeSpan.FromSeconds(10));
    }

    /// <summary>Takes a heap dump of a process and prints the types that hold the most of it.</summary>
    private static async Task GcDumpAsync(string tool, int pid, string file, string what)
    {
        using (Process collect = Process.Start(new ProcessStartInfo(tool, ["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", file])
        {
            RedirectStandardOutput = true,
        })!)
        {
            await collect.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
            await collect.WaitForExitAsync().ConfigureAwait(false);
        }

        using Process report = Process.Start(new ProcessStartInfo(tool, ["report", file]) { RedirectStandardOutput = true })!;
        string[] lines = (await report.StandardOutput.ReadToEndAsync().ConfigureAwait(false)).Split('\n');
        await report.WaitForExitAsync().ConfigureAwait(false);
        Console.WriteLine($"scale: heap of {what}, largest types ({file}):");
        foreach (string line in lines.Take(22))
        {
            Console.WriteLine("  " + line);
        }
    }

    internal static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "npa")) && File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"the repository root (with ./npa) is not above {AppContext.BaseDirectory}");
    }

    /// <summary>Starts controllers with the same flags, each logging to its own file.</summary>
    private sealed class ControllerRun(string root, IScaleCluster cluster, string work, ScaleArgs args)
    {
        public NpaProcess Start(string name) => NpaProcess.Start(root, Path.Combine(work, name + ".log"),
        [
            "controller", "--kubeconfig", cluster.Kubeconfig, "--enable-leader-election=false",
            "--health-probe-bind-addr", $"127.0.0.1:{FreePort()}", "--metrics-bind-addr", $"127.0.0.1:{FreePort()}",
            .. args.ControllerArgs,
        ]);
    }
}

/// <summary>How long until every policy's PolicyEndpoints were right (null: never within the timeout), and how many were still wrong.</summary>
internal sealed record Convergence(double? Seconds, int Wrong);

internal sealed record AgentFigures(double? ReadySeconds, long PeakBytes);
