using Npa.Enforcer;
using Npa.Ingest.Journal;

namespace Npa.Host.Options;

/// <summary>
/// Settings of <c>npa agent</c>. Flag names and defaults are the EKS node agent's, so the aws-vpc-cni
/// chart's container arguments work unchanged; npa adds the node name, journal, bpffs and CNI socket.
/// </summary>
public sealed class AgentOptions
{
    public bool EnableNetworkPolicy { get; set; }

    public bool EnablePolicyEventLogs { get; set; }

    public bool EnableCloudWatchLogs { get; set; }

    public string MetricsBindAddr { get; set; } = ":8162";

    public string HealthProbeBindAddr { get; set; } = ":8163";

    public bool EnableIpv6 { get; set; }

    /// <summary>Seconds between conntrack cache sweeps.</summary>
    public int ConntrackCacheCleanupPeriod { get; set; } = 300;

    /// <summary>Entries of the conntrack cache (32Ki–1024Ki).</summary>
    public int ConntrackCacheTableSize { get; set; } = 524288;

    /// <summary>debug, info, warn or error.</summary>
    public string LogLevel { get; set; } = "info";

    /// <summary>text (a line per message, for a person) or json (an object per line, for a log pipeline): --log-format.</summary>
    public string LogFormat { get; set; } = "text";

    public string LogFile { get; set; } = "/var/log/aws-routed-eni/network-policy-agent.log";

    /// <summary>Megabytes before the log file rotates.</summary>
    public int LogFileMaxSize { get; set; } = 200;

    public int LogFileMaxBackups { get; set; } = 8;

    public string? Kubeconfig { get; set; }

    public string NodeName { get; set; } = "";

    /// <summary>The cluster's name (<c>--cluster-name</c>, else env CLUSTER_NAME); names the CloudWatch Logs group.</summary>
    public string ClusterName { get; set; } = "";

    /// <summary>CloudWatch Logs group for flow logs (env CLOUDWATCH_LOG_GROUP); empty derives it from <see cref="ClusterName"/>.</summary>
    public string CloudWatchLogGroup { get; set; } = "";

    public string JournalDir { get; set; } = JournalOptions.DefaultDirectory;

    /// <summary>Directory under bpffs that holds npa's pinned programs and maps.</summary>
    public string BpffsRoot { get; set; } = "/sys/fs/bpf/npa";

    /// <summary>Program nothing in the kernel: decisions are resolved and logged only (machines without eBPF).</summary>
    public bool DryRun { get; set; }

    /// <summary>Where rules come from: PolicyEndpoints (default, as the EKS agent) or NetworkPolicies resolved on the node.</summary>
    public PolicySource PolicySource { get; set; } = PolicySource.PolicyEndpoints;

    /// <summary>The raw value of NETWORK_POLICY_ENFORCING_MODE (empty means standard).</summary>
    public string EnforcingModeText { get; set; } = "";

    public EnforcingMode EnforcingMode => ParseMode(EnforcingModeText);

    /// <summary>Unix socket the CNI plugin calls (rpc.NPBackend).</summary>
    public string CniSocket { get; set; } = "/var/run/aws-node/npa.sock";

    public static EnforcingMode ParseMode(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "standard" => EnforcingMode.Standard,
        "strict" => EnforcingMode.Strict,
        _ => EnforcingMode.Unknown,
    };
}
