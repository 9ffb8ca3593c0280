using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Npa.FlowLogs.CloudWatch;
using Npa.Host.Lab;
using Npa.Host.Lab.Kernel;
using Npa.Host.Lab.Output;

namespace Npa.Host.Verbs;

/// <summary>
/// <c>npa lab up|probe|down</c>: a local lab of network namespaces that runs the whole pipeline on a
/// manifest folder with real enforcement, probes real connectivity, and removes itself.
/// </summary>
internal static class LabVerb
{
    public static Command Create()
    {
        Command lab = new("lab", "A local lab: one network namespace per Pod manifest, enforced for real, probed for real");
        lab.Subcommands.Add(Up());
        lab.Subcommands.Add(Probe());
        lab.Subcommands.Add(Down());
        return lab;
    }

    private static Option<string> StateDirOption() => new("--state-dir")
    {
        Description = "Where the running lab records itself",
        DefaultValueFactory = _ => LabStateStore.DefaultDirectory,
    };

    private static Command Up()
    {
        Command up = new("up", "Start the lab on a manifest folder or a cluster's API server and follow its changes (foreground unless --detach)");
        Option<string?> file = new("--file", "-f") { Description = "Manifest folder (Namespaces, Pods with status.podIP, NetworkPolicies)" };
        Option<string?> kubeconfig = new("--kubeconfig") { Description = "Kubeconfig file: take Namespaces, Pods (status.podIPs), NetworkPolicies and Services from its API server instead of a folder" };
        Option<bool> strict = new("--strict") { Description = "Strict enforcing mode: pods start denied until their policy is programmed" };
        Option<string?> flowLogDir = new("--flow-log-dir") { Description = "Directory for flow logs (default STATE_DIR/flows)" };
        Option<bool> cloudWatch = new("--enable-cloudwatch-logs") { Description = "Also ship flow lines to CloudWatch Logs (region from AWS_REGION, endpoint from AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, credentials from the AWS chain)" };
        Option<string?> clusterName = new("--cluster-name") { Description = "With --enable-cloudwatch-logs: log group /aws/eks/NAME/cluster (default /aws/k8s-cluster/cluster)" };
        Option<bool> detach = new("--detach") { Description = "Run in the background; the pid is written to STATE_DIR/daemon.pid" };
        Option<string> prefix = new("--prefix") { Description = "Prefix of every namespace and pin the lab creates", DefaultValueFactory = _ => "npa" };
        Option<string> stateDir = StateDirOption();
        up.Options.Add(file);
        up.Options.Add(kubeconfig);
        up.Options.Add(strict);
        up.Options.Add(flowLogDir);
        up.Options.Add(cloudWatch);
        up.Options.Add(clusterName);
        up.Options.Add(detach);
        up.Options.Add(prefix);
        up.Options.Add(stateDir);
        up.SetAction(async (pr, ct) =>
        {
            string state = Path.GetFullPath(pr.GetValue(stateDir)!);
            string? folder = pr.GetValue(file);
            string? config = pr.GetValue(kubeconfig);
            if ((folder is null) == (config is null))
            {
                Console.Error.WriteLine(folder is null
                    ? "lab up: say where the cluster comes from: --file DIR (a manifest folder) or --kubeconfig FILE (an API server)"
                    : "lab up: --file and --kubeconfig exclude each other: give one of them");
                return 1;
            }

            LabCloudWatch? shipTo = null;
            if (pr.GetValue(cloudWatch))
            {
                try
                {
                    shipTo = LabCloudWatch.FromEnvironment(pr.GetValue(clusterName), Environment.GetEnvironmentVariable, new DefaultAwsCredentialSource());
                }
                catch (ArgumentException e)
                {
                    Console.Error.WriteLine($"lab up: {e.Message}");
                    return 1;
                }
            }
            else if (pr.GetValue(clusterName) is not null)
            {
                Console.Error.WriteLine("lab up: --cluster-name only names the CloudWatch log group: add --enable-cloudwatch-logs");
                return 1;
            }

            if (pr.GetValue(detach))
            {
                List<string> again = [.. folder is not null ? new[] { "--file", Path.GetFullPath(folder) } : ["--kubeconfig", Path.GetFullPath(config!)], "--prefix", pr.GetValue(prefix)!];
                if (pr.GetValue(strict))
                {
                    again.Add("--strict");
                }

                if (pr.GetValue(flowLogDir) is { } fl)
                {
                    again.AddRange(["--flow-log-dir", Path.GetFullPath(fl)]);
                }

                if (shipTo is not null)
                {
                    again.Add("--enable-cloudwatch-logs");
                    if (shipTo.ClusterName is { } name)
                    {
                        again.AddRange(["--cluster-name", name]);
                    }
                }

                return await DetachAsync(again, state, ct);
            }

            LabOptions options = new(folder ?? LabOptions.ObservedDirectory(state), state)
            {
                Kubeconfig = config is null ? null : Path.GetFullPath(config),
                Strict = pr.GetValue(strict),
                FlowLogDirectory = pr.GetValue(flowLogDir) is { } f ? Path.GetFullPath(f) : null,
                Prefix = pr.GetValue(prefix)!,
                CloudWatch = shipTo,
            };
            return await RunForegroundAsync(options, ct);
        });
        return up;
    }

    private static async Task<int> RunForegroundAsync(LabOptions options, CancellationToken ct)
    {
        using ILoggerFactory logs = LoggerFactory.Create(b => b.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        }));
        using CancellationTokenSource stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        using PosixSignalRegistration intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        await using LabDaemon daemon = new(options, logs);
        try
        {
            await daemon.StartAsync(stop.Token);
            File.WriteAllText(Path.Combine(options.StateDirectory, "daemon.pid"), Environment.ProcessId + "\n");
            Console.Out.WriteLine($"lab {daemon.LabId} up: {daemon.Pods.Count} pods, node namespace {daemon.NodeNetns}, enforcer: {daemon.EnforcerDescription}");
            string following = options.Kubeconfig is null ? daemon.ManifestDirectory : $"the API server of {options.Kubeconfig}";
            Console.Out.WriteLine($"following {following}; 'npa lab probe' to test, 'npa lab down' (or Ctrl-C) to stop");
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is LabException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"lab up: {e.Message}");
            return 1;
        }

        return 0;
    }

    private static async Task<int> DetachAsync(List<string> upArgs, string stateDir, CancellationToken ct)
    {
        Directory.CreateDirectory(stateDir);
        string log = Path.Combine(stateDir, "daemon.log");
        List<string> self = [Environment.ProcessPath ?? "dotnet"];
        string entry = Environment.GetCommandLineArgs()[0];
        if (entry.EndsWith(".dll", StringComparison.Ordinal))
        {
            self.Add(entry);
        }

        List<string> args = ["lab", "up", .. upArgs, "--state-dir", stateDir];
        string command = "exec " + string.Join(' ', self.Concat(args).Select(Quote)) + $" >{Quote(log)} 2>&1 </dev/null";
        ProcessStartInfo psi = new("setsid") { UseShellExecute = false };
        foreach (string a in new[] { "sh", "-c", command })
        {
            psi.ArgumentList.Add(a);
        }

        using Process child = Process.Start(psi) ?? throw new LabException("could not start the lab daemon");

        LabStateStore store = new(stateDir);
        DateTime until = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < until)
        {
            await Task.Delay(200, ct);
            if (store.ReadProgrammed() is not null && store.ReadState() is { } s)
            {
                Console.Out.WriteLine($"lab {s.LabId} up in the background (pid {s.Pid}, {s.Pods.Count} pods, log {log})");
                return 0;
            }

            if (child.HasExited)
            {
                break;
            }
        }

        Console.Error.WriteLine($"lab up --detach: the daemon did not come up; see {log}:");
        Console.Error.WriteLine(File.Exists(log) ? File.ReadAllText(log) : "(no log)");
        return 1;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static Command Probe()
    {
        Command probe = new("probe", "Wait until the folder is programmed, then connect from every pod to every pod and print what got through");
        Option<string[]> probes = new("--probe")
        {
            Description = "PROTOCOL/PORT to probe, e.g. TCP/80, UDP/53 or TCP/serve-80-tcp (a port name, resolved on each destination pod); repeatable; default: every port a pod serves",
            AllowMultipleArgumentsPerToken = true,
        };
        Option<string> output = new("--output", "-o") { Description = "table or json", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");
        Option<int> wait = new("--wait") { Description = "Seconds to wait for programming", DefaultValueFactory = _ => 60 };
        Option<string> stateDir = StateDirOption();
        Option<string> family = new("--family")
        {
            Description = "ipv4, ipv6, or any (default: IPv4, and IPv6 where IPv4 is blocked; allowed when either gets through, as npa matrix judges any)",
            DefaultValueFactory = _ => "any",
        };
        probe.Options.Add(probes);
        probe.Options.Add(family);
        probe.Options.Add(output);
        probe.Options.Add(wait);
        probe.Options.Add(stateDir);
        probe.SetAction(async (pr, ct) =>
        {
            try
            {
                IReadOnlyList<LabProbe>? given = pr.GetValue(probes) is { Length: > 0 } texts ? [.. texts.Select(LabProbeSpec.Parse)] : null;
                if (!Npa.Resolver.Verdicts.IpFamilies.TryParse(pr.GetValue(family), out Npa.Resolver.Verdicts.IpFamily ipFamily))
                {
                    throw new LabException($"--family '{pr.GetValue(family)}' is not one of ipv4, ipv6, any");
                }

                LabStateStore store = new(Path.GetFullPath(pr.GetValue(stateDir)!));
                LabStateRecord state = store.ReadState() ?? throw new LabException($"no lab in {store.Directory}; start one with 'npa lab up -f DIR'");
                if (!Signals.IsAlive(state.Pid))
                {
                    throw new LabException($"the lab daemon (pid {state.Pid}) is not running, so nothing listens; run 'npa lab down' and 'npa lab up' again");
                }

                LabProgrammedRecord programmed = await WaitProgrammedAsync(store, state, TimeSpan.FromSeconds(pr.GetValue(wait)), ct);
                state = store.ReadState() ?? state;
                List<LabPod> pods = [.. state.Pods.Select(p => p.ToLabPod())];
                IReadOnlyList<LabProbe> ports = given ?? LabProbeRunner.DefaultProbes(pods);
                state.RequirePortNamesFor(ports);
                ConnectivityReport report = await LabProbeRunner.RunAsync(pods, ports, ct, ipFamily);
                report = report with { Diagnostics = [.. programmed.Diagnostics, .. report.Diagnostics] };
                if (!state.Enforcer.StartsWith("eBPF", StringComparison.Ordinal))
                {
                    report = report with { Diagnostics = [.. report.Diagnostics, $"enforcer: {state.Enforcer}"] };
                }

                Console.Out.Write(pr.GetValue(output) == "json" ? ConnectivityFormatter.Json(report) : ConnectivityFormatter.Table(report));
                return 0;
            }
            catch (LabException e)
            {
                Console.Error.WriteLine($"lab probe: {e.Message}");
                return 1;
            }
        });
        return probe;
    }

    private static async Task<LabProgrammedRecord> WaitProgrammedAsync(LabStateStore store, LabStateRecord state, TimeSpan timeout, CancellationToken ct)
    {
        Stopwatch sw = Stopwatch.StartNew();
        while (true)
        {
            string current = LabContentHash.Compute(state.ManifestDirectory);
            LabProgrammedRecord? p = store.ReadProgrammed();
            if (p is not null && p.ContentHash == current)
            {
                return p;
            }

            if (sw.Elapsed > timeout)
            {
                string why = p is null ? "nothing programmed yet" : string.Join("; ", p.Diagnostics);
                throw new LabException($"{state.ManifestDirectory} was not programmed within {timeout.TotalSeconds:0} s ({why})");
            }

            await Task.Delay(100, ct);
        }
    }

    private static Command Down()
    {
        Command down = new("down", "Stop the lab and remove its namespaces, veths, pins and state (idempotent)");
        Option<string> stateDir = StateDirOption();
        down.Options.Add(stateDir);
        down.SetAction(async (pr, ct) =>
        {
            LabTeardown.Result r = await LabTeardown.DownAsync(Path.GetFullPath(pr.GetValue(stateDir)!), TimeSpan.FromSeconds(15), ct);
            Console.Out.WriteLine(r.Message);
            foreach (string item in r.Removed)
            {
                Console.Out.WriteLine("  removed " + item);
            }

            return 0;
        });
        return down;
    }
}
