using Microsoft.Extensions.Logging;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Pipeline;
using Npa.Host.Options;

namespace Npa.Host.Stages;

/// <summary>
/// Where <c>--enable-cloudwatch-logs</c> sends the node's flow lines: the group is CLOUDWATCH_LOG_GROUP
/// when the chart sets it, else <c>/aws/eks/&lt;cluster&gt;/cluster</c> with a cluster name, else
/// <c>/aws/k8s-cluster/cluster</c>; one stream per node; the region from AWS_REGION or
/// AWS_DEFAULT_REGION, else the instance's (metadata service); the endpoint from AWS_ENDPOINT_URL_CLOUDWATCH_LOGS (or AWS_ENDPOINT_URL), else
/// the regional one.
/// </summary>
public sealed record FlowLogCloudWatchTarget(string Region, Uri Endpoint, string LogGroup, string LogStream)
{
    /// <summary>
    /// Resolves the target from the agent's settings and <paramref name="environment"/>, asking
    /// <paramref name="instanceRegion"/> (the EC2 metadata service in the agent) only when neither
    /// region variable is set; throws naming what is missing.
    /// </summary>
    public static FlowLogCloudWatchTarget Resolve(AgentOptions options, Func<string, string?> environment, Func<string?>? instanceRegion = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Resolve(options.NodeName, options.ClusterName, options.CloudWatchLogGroup, environment, instanceRegion);
    }

    /// <summary>The same for a node named <paramref name="nodeName"/> (the lab's node, too).</summary>
    public static FlowLogCloudWatchTarget Resolve(string nodeName, string? clusterName, string? logGroup, Func<string, string?> environment, Func<string?>? instanceRegion = null)
    {
        (string region, Uri endpoint) = ResolveService(environment, instanceRegion);
        string group = NonEmpty(logGroup) ?? CloudWatchShipperOptions.LogGroupFor(NonEmpty(clusterName), isEks: true);
        return new FlowLogCloudWatchTarget(region, endpoint, group, CloudWatchShipperOptions.LogStreamFor(nodeName))
        {
            NodeName = nodeName,
        };
    }

    /// <summary>The region (AWS_REGION, AWS_DEFAULT_REGION, else the instance's) and the endpoint (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS or AWS_ENDPOINT_URL, else the regional one).</summary>
    public static (string Region, Uri Endpoint) ResolveService(Func<string, string?> environment, Func<string?>? instanceRegion = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string region = NonEmpty(environment("AWS_REGION")) ?? NonEmpty(environment("AWS_DEFAULT_REGION")) ?? NonEmpty(instanceRegion?.Invoke())
            ?? throw new ArgumentException("--enable-cloudwatch-logs needs a region: set AWS_REGION (the chart's `region` value) or AWS_DEFAULT_REGION");
        string? endpoint = NonEmpty(environment("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS")) ?? NonEmpty(environment("AWS_ENDPOINT_URL"));
        return (region, CloudWatchLogsClient.ResolveEndpoint(region, endpoint));
    }

    /// <summary>The node's name as flow lines carry it; flow summaries carry it too.</summary>
    public string? NodeName { get; init; }

    /// <summary>A shipper for this target (not started).</summary>
    public CloudWatchShipper CreateShipper(HttpClient http, IAwsCredentialSource credentials, FlowLogCounters counters, TimeProvider time, ILogger logger) =>
        new(new CloudWatchLogsClient(http, Endpoint, Region, credentials, time),
            new CloudWatchShipperOptions { LogGroupName = LogGroup, LogStreamName = LogStream, NodeName = NodeName },
            counters, time, logger);

    /// <summary>The region of the EC2 instance the agent runs on, or null off EC2.</summary>
    public static string? InstanceRegion()
    {
        try
        {
            return Amazon.Util.EC2InstanceMetadata.Region?.SystemName;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException or Amazon.Runtime.AmazonClientException)
        {
            return null;
        }
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
