using Npa.FlowLogs.CloudWatch;
using Npa.Host.Stages;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Host.Lab.Pipeline;

/// <summary>
/// Programs a pod's policy on its host veth in the lab's node namespace: the eBPF enforcer
/// (<see cref="EbpfPodEnforcer"/>), behind a seam so tests and benchmarks create it their way.
/// </summary>
public interface IPodEnforcer : IDisposable
{
    /// <summary>Short description for status output, e.g. "eBPF (tcx)".</summary>
    string Description { get; }

    /// <summary>False when this enforcer does not filter traffic at all.</summary>
    bool Enforces { get; }

    /// <summary>Why no flow logs are written (their reader or writer could not start); null when they are.</summary>
    string? FlowLogProblem { get; }

    /// <summary>Attaches to the pod's host veth (idempotent).</summary>
    void EnsurePod(LabPod pod);

    /// <summary>Makes the pod's programmed state equal <paramref name="policy"/>.</summary>
    void Apply(PodPolicy policy);

    void RemovePod(ObjectRef pod);
}

/// <summary>Where an enforcer for a lab's node namespace is created.</summary>
public sealed record LabEnforcerContext(string NodeNetns, string BpfRoot, bool Strict, string FlowLogDirectory)
{
    /// <summary>When set, flow lines also go to this CloudWatch Logs stream.</summary>
    public LabCloudWatch? CloudWatch { get; init; }
}

/// <summary>
/// Where a lab ships its flow lines in CloudWatch Logs: the group <c>/aws/eks/&lt;cluster&gt;/cluster</c>
/// with a cluster name, else <c>/aws/k8s-cluster/cluster</c>; one stream for the lab's node.
/// </summary>
public sealed record LabCloudWatch(string Region, Uri Endpoint, string? ClusterName, IAwsCredentialSource Credentials)
{
    /// <summary>
    /// Region from AWS_REGION or AWS_DEFAULT_REGION, endpoint from AWS_ENDPOINT_URL_CLOUDWATCH_LOGS or
    /// AWS_ENDPOINT_URL (else the regional one), as the agent takes them; throws naming what is missing.
    /// </summary>
    public static LabCloudWatch FromEnvironment(string? clusterName, Func<string, string?> environment, IAwsCredentialSource credentials)
    {
        (string region, Uri endpoint) = FlowLogCloudWatchTarget.ResolveService(environment);
        return new LabCloudWatch(region, endpoint, clusterName, credentials);
    }

    public FlowLogCloudWatchTarget Target(string nodeName) =>
        new(Region, Endpoint, CloudWatchShipperOptions.LogGroupFor(ClusterName, isEks: true), CloudWatchShipperOptions.LogStreamFor(nodeName))
        {
            NodeName = nodeName,
        };
}

/// <summary>Creates the lab's enforcer.</summary>
public delegate IPodEnforcer PodEnforcerFactory(LabEnforcerContext context);
