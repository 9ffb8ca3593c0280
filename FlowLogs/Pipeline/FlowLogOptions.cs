using Npa.FlowLogs.Aggregation;
using Npa.FlowLogs.Files;
using Npa.FlowLogs.Reading;

namespace Npa.FlowLogs.Pipeline;

/// <summary>Everything the flow-log path needs, for <see cref="FlowLogService"/>.</summary>
public sealed record FlowLogOptions
{
    /// <summary>This node's name, written into every line and used for the CloudWatch stream.</summary>
    public required string NodeName { get; init; }

    public RingBufferReaderOptions Reader { get; init; } = new();

    public FlowLogFileOptions File { get; init; } = new();

    public FlowAggregatorOptions Aggregation { get; init; } = new();

    /// <summary>How often closed aggregation windows are flushed.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Null: no CloudWatch shipping.</summary>
    public FlowLogCloudWatchOptions? CloudWatch { get; init; }
}

/// <summary>CloudWatch Logs shipping settings (the EKS agent's <c>--enable-cloudwatch-logs</c>).</summary>
public sealed record FlowLogCloudWatchOptions
{
    /// <summary>Null: AWS_REGION, else AWS_DEFAULT_REGION.</summary>
    public string? Region { get; init; }

    /// <summary>Null: AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, AWS_ENDPOINT_URL, or the regional endpoint.</summary>
    public string? Endpoint { get; init; }

    public string? ClusterName { get; init; }

    public bool IsEks { get; init; } = true;

    /// <summary>Null: the EKS naming from <see cref="ClusterName"/> and <see cref="IsEks"/>.</summary>
    public string? LogGroupName { get; init; }

    public string? LogStreamName { get; init; }

    public int BufferCapacity { get; init; } = 200_000;
}
