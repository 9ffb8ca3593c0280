using Npa.FlowLogs.CloudWatch;
using Npa.Host.Stages;

namespace Npa.Host.Daemons;

/// <summary>Replacements for the agent's edges (tests, <c>--dry-run</c>, the lab); null keeps the real one.</summary>
public sealed class AgentHostOverrides
{
    public IPodEnforcer? Enforcer { get; init; }

    public IClusterEventSource? Source { get; init; }

    public TimeProvider? Time { get; init; }

    /// <summary>The network namespace holding the host veths (the lab's node namespace); null: the agent's own.</summary>
    public string? HostVethNetns { get; init; }

    /// <summary>Environment variables the CloudWatch target is resolved from; null: the process's.</summary>
    public Func<string, string?>? Environment { get; init; }

    /// <summary>Credentials for CloudWatch Logs; null: the AWS default chain.</summary>
    public IAwsCredentialSource? AwsCredentials { get; init; }
}
