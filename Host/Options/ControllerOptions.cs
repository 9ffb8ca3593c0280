namespace Npa.Host.Options;

/// <summary>
/// Settings of <c>npa controller</c>, with the EKS network policy controller's flag names and
/// defaults, plus its leader election flags.
/// </summary>
public sealed class ControllerOptions
{
    public int EndpointChunkSize { get; set; } = 200;

    public int MaxConcurrentReconciles { get; set; } = 3;

    /// <summary>Run only while ConfigMap kube-system/amazon-vpc-cni says enable-network-policy-controller: "true".</summary>
    public bool EnableConfigmapCheck { get; set; } = true;

    public string LogLevel { get; set; } = "info";

    public string? Kubeconfig { get; set; }

    public string MetricsBindAddr { get; set; } = ":8164";

    public string HealthProbeBindAddr { get; set; } = ":8165";

    public bool LeaderElect { get; set; } = true;

    public string LeaderElectionNamespace { get; set; } = "kube-system";

    public string LeaderElectionId { get; set; } = "amazon-network-policy-controller-k8s";

    /// <summary>This replica's name in the lease; null takes <c>$POD_NAME</c>, else the host name.</summary>
    public string? LeaderIdentity { get; set; }

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long pod changes are gathered before one reconcile (--pod-update-batch-period-duration).</summary>
    public TimeSpan PodUpdateBatchPeriod { get; set; } = TimeSpan.FromSeconds(1);
}
