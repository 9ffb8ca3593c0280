namespace Npa.FlowLogs.CloudWatch;

/// <summary>Where and how fast flow logs go to CloudWatch Logs.</summary>
public sealed record CloudWatchShipperOptions
{
    public required string LogGroupName { get; init; }

    /// <summary>One stream per node.</summary>
    public required string LogStreamName { get; init; }

    /// <summary>The node's name, as the flow-log formatter writes it into lines; flow summaries carry it too.</summary>
    public string? NodeName { get; init; }

    /// <summary>
    /// Lines and events held in memory (waiting, being folded or being sent) while the service is slow
    /// or down; beyond it the oldest waiting line is dropped and counted.
    /// </summary>
    public int BufferCapacity { get; init; } = 200_000;

    /// <summary>A partial batch is sent once its first event has waited this long.</summary>
    public TimeSpan BatchInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>PutLogEvents calls per second on our stream (the service allows 5 per stream).</summary>
    public double MaxRequestsPerSecond { get; init; } = 5;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>At stop, unsent events get this long to go out before they are counted as dropped.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The log group EKS uses for a cluster, or the self-managed one when the cluster name is unknown or not EKS.</summary>
    public static string LogGroupFor(string? clusterName, bool isEks) =>
        isEks && !string.IsNullOrWhiteSpace(clusterName) ? $"/aws/eks/{clusterName}/cluster" : "/aws/k8s-cluster/cluster";

    /// <summary>Stream name for a node's flow logs.</summary>
    public static string LogStreamFor(string nodeName) => $"network-policy-agent-flows-{nodeName}";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(LogGroupName) || string.IsNullOrWhiteSpace(LogStreamName))
        {
            throw new ArgumentException("CloudWatch Logs group and stream names must not be empty");
        }

        if (LogStreamName.Contains(':') || LogStreamName.Contains('*'))
        {
            throw new ArgumentException($"CloudWatch Logs stream name '{LogStreamName}' must not contain ':' or '*'");
        }

        if (BufferCapacity < 1 || MaxRequestsPerSecond <= 0 || BatchInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"CloudWatch shipper needs a positive buffer ({BufferCapacity}), request rate ({MaxRequestsPerSecond}) and batch interval ({BatchInterval})");
        }
    }
}
