namespace Npa.FlowLogs.Aggregation;

/// <summary>What gets logged and how repeats fold.</summary>
public sealed record FlowAggregatorOptions
{
    /// <summary>Log ACCEPT lines (one per new flow). Off by default; DENY is always logged.</summary>
    public bool LogAccept { get; init; }

    /// <summary>Repeated denies of one 5-tuple and direction within this window become one line with a Count.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on tracked flows; beyond it denies are logged one by one rather than tracked.</summary>
    public int MaxTrackedFlows { get; init; } = 65_536;
}
