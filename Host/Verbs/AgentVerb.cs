using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using Npa.Host.Daemons;
using Npa.Host.Options;

namespace Npa.Host.Verbs;

/// <summary>
/// <c>npa agent</c>: the node agent daemon. Takes the EKS node agent's flags as they are, plus
/// <c>--node-name</c>, <c>--journal-dir</c>, <c>--bpffs-root</c> and <c>--cni-socket</c>;
/// <c>NETWORK_POLICY_ENFORCING_MODE</c> (standard|strict) comes from the environment.
/// </summary>
internal static class AgentVerb
{
    public const string ModeVariable = "NETWORK_POLICY_ENFORCING_MODE";

    public static Command Create()
    {
        AgentOptions d = new();
        Option<bool> enable = GoFlags.Bool("--enable-network-policy", "Enforce NetworkPolicies on this node", d.EnableNetworkPolicy);
        Option<bool> eventLogs = GoFlags.Bool("--enable-policy-event-logs", "Write flow logs of policy verdicts", d.EnablePolicyEventLogs);
        Option<bool> cloudWatch = GoFlags.Bool("--enable-cloudwatch-logs", "Ship flow logs to CloudWatch Logs (needs event logs)", d.EnableCloudWatchLogs);
        Option<string> metrics = GoFlags.String("--metrics-bind-addr", "Address for Prometheus metrics", d.MetricsBindAddr);
        Option<string> health = GoFlags.String("--health-probe-bind-addr", "Address for /healthz and /readyz", d.HealthProbeBindAddr);
        Option<bool> ipv6 = GoFlags.Bool("--enable-ipv6", "The cluster is IPv6", d.EnableIpv6);
        Option<int> ctPeriod = GoFlags.Int("--conntrack-cache-cleanup-period", "Seconds between conntrack cache sweeps", d.ConntrackCacheCleanupPeriod);
        Option<int> ctSize = GoFlags.Int("--conntrack-cache-table-size", "Conntrack cache entries (32768-1048576)", d.ConntrackCacheTableSize);
        Option<string> logLevel = GoFlags.String("--log-level", "debug, info, warn or error", d.LogLevel);
        Option<string> logFormat = GoFlags.String("--log-format", "text (a line per message) or json (an object per line)", d.LogFormat);
        Option<string> logFile = GoFlags.String("--log-file", "Log file", d.LogFile);
        Option<int> logMax = GoFlags.Int("--log-file-max-size", "Megabytes before the log file rotates", d.LogFileMaxSize);
        Option<int> logBackups = GoFlags.Int("--log-file-max-backups", "Rotated log files kept", d.LogFileMaxBackups);
        Option<string> kubeconfig = GoFlags.String("--kubeconfig", "Kubeconfig file (default: in-cluster service account)", "");
        Option<string> nodeName = GoFlags.String("--node-name", "This node's name (default $MY_NODE_NAME, else the host name)", "");
        Option<string> clusterName = GoFlags.String("--cluster-name", "The cluster's name, for the CloudWatch Logs group (default $CLUSTER_NAME)", "");
        Option<string> journalDir = GoFlags.String("--journal-dir", "Event journal directory", d.JournalDir);
        Option<string> bpffs = GoFlags.String("--bpffs-root", "bpffs mount point for pinned programs and maps", d.BpffsRoot);
        Option<string> socket = GoFlags.String("--cni-socket", "Unix socket for the CNI plugin's rpc.NPBackend calls", d.CniSocket);
        Option<bool> dryRun = GoFlags.Bool("--dry-run", "Resolve and log decisions but program nothing in the kernel", d.DryRun);
        Option<string> policySource = GoFlags.String("--policy-source",
            "Where rules come from: policyendpoints (published by a controller, ours or EKS's) or networkpolicies (resolved on this node)",
            "policyendpoints");

        Command command = new("agent", $"Run the node agent (env {ModeVariable}: standard|strict)");
        foreach (Option o in new Option[] { enable, eventLogs, cloudWatch, metrics, health, ipv6, ctPeriod, ctSize, logLevel, logFormat, logFile, logMax, logBackups,
                     kubeconfig, nodeName, clusterName, journalDir, bpffs, socket, dryRun, policySource })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            string node = parse.GetValue(nodeName) ?? "";
            string cluster = parse.GetValue(clusterName) ?? "";
            PolicySource source = (parse.GetValue(policySource) ?? "").ToLowerInvariant() switch
            {
                "policyendpoints" => PolicySource.PolicyEndpoints,
                "networkpolicies" => PolicySource.NetworkPolicies,
                _ => PolicySource.Unknown,
            };
            if (source == PolicySource.Unknown)
            {
                await Console.Error.WriteLineAsync($"npa agent: --policy-source '{parse.GetValue(policySource)}' must be policyendpoints or networkpolicies");
                return 2;
            }
            AgentOptions options = new()
            {
                EnableNetworkPolicy = parse.GetValue(enable),
                EnablePolicyEventLogs = parse.GetValue(eventLogs),
                EnableCloudWatchLogs = parse.GetValue(cloudWatch),
                MetricsBindAddr = parse.GetValue(metrics)!,
                HealthProbeBindAddr = parse.GetValue(health)!,
                EnableIpv6 = parse.GetValue(ipv6),
                ConntrackCacheCleanupPeriod = parse.GetValue(ctPeriod),
                ConntrackCacheTableSize = parse.GetValue(ctSize),
                LogLevel = parse.GetValue(logLevel)!,
                LogFormat = parse.GetValue(logFormat)!,
                LogFile = parse.GetValue(logFile)!,
                LogFileMaxSize = parse.GetValue(logMax),
                LogFileMaxBackups = parse.GetValue(logBackups),
                Kubeconfig = string.IsNullOrEmpty(parse.GetValue(kubeconfig)) ? null : parse.GetValue(kubeconfig),
                NodeName = node.Length > 0 ? node : Environment.GetEnvironmentVariable("MY_NODE_NAME") is { Length: > 0 } env ? env : Environment.MachineName,
                ClusterName = cluster.Length > 0 ? cluster : Environment.GetEnvironmentVariable("CLUSTER_NAME") ?? "",
                CloudWatchLogGroup = Environment.GetEnvironmentVariable("CLOUDWATCH_LOG_GROUP") ?? "",
                JournalDir = parse.GetValue(journalDir)!,
                BpffsRoot = parse.GetValue(bpffs)!,
                CniSocket = parse.GetValue(socket)!,
                DryRun = parse.GetValue(dryRun),
                PolicySource = source,
                EnforcingModeText = Environment.GetEnvironmentVariable(ModeVariable) ?? "",
            };
            return await RunAsync(options, null, ct);
        });
        return command;
    }

    /// <summary>Validates, builds and runs the agent until <paramref name="cancellationToken"/>; 2 for bad settings.</summary>
    public static async Task<int> RunAsync(AgentOptions options, AgentHostOverrides? overrides, CancellationToken cancellationToken)
    {
        ValidateOptionsResult check = new AgentOptionsValidator().Validate(null, options);
        if (check.Failed)
        {
            foreach (string failure in check.Failures)
            {
                await Console.Error.WriteLineAsync($"npa agent: {failure}");
            }

            return 2;
        }

        await using WebApplication app = AgentHost.Build(options, overrides);
        await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.RunAsync(app, cancellationToken);
        return 0;
    }
}
