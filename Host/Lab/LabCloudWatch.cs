using Npa.FlowLogs.CloudWatch;
using Npa.Host.Stages;

namespace Npa.Host.Lab;

/// <summary>
/// <c>lab up --enable-cloudwatch-logs</c>: the agent's flow-log stage also ships to CloudWatch Logs, with
/// the region and endpoint taken from <see cref="Environment"/> and these credentials.
/// </summary>
public sealed record LabCloudWatch(string? ClusterName, Func<string, string?> Environment, IAwsCredentialSource Credentials)
{
    /// <summary>Checks now that <paramref name="environment"/> names a region (throws <see cref="ArgumentException"/> naming what is missing).</summary>
    public static LabCloudWatch FromEnvironment(string? clusterName, Func<string, string?> environment, IAwsCredentialSource credentials)
    {
        FlowLogCloudWatchTarget.ResolveService(environment);
        return new LabCloudWatch(clusterName, environment, credentials);
    }

    /// <summary>Where the agent of node <paramref name="nodeName"/> ships: the group and the node's stream.</summary>
    public FlowLogCloudWatchTarget Target(string nodeName) => FlowLogCloudWatchTarget.Resolve(nodeName, ClusterName, null, Environment);
}
