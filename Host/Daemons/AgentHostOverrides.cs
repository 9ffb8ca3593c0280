using Npa.Host.Stages;

namespace Npa.Host.Daemons;

/// <summary>Replacements for the agent's edges (tests, <c>--dry-run</c>); null keeps the real one.</summary>
public sealed class AgentHostOverrides
{
    public IPodEnforcer? Enforcer { get; init; }

    public IClusterEventSource? Source { get; init; }

    public TimeProvider? Time { get; init; }
}
