using Npa.FlowLogs.Records;

namespace Npa.FlowLogs.Formatting;

/// <summary>
/// Several flows that differ only in source port, time and count, as one line. <see cref="Flow"/> is
/// any one of them (its source port, time and count are ignored); the rest is what they add up to.
/// </summary>
/// <param name="Flow">A flow of the group: supplies every field the flows share.</param>
/// <param name="FirstSeen">Earliest timestamp of the folded flows (the line's <c>timestamp</c>).</param>
/// <param name="LastSeen">Latest timestamp of the folded flows (<c>Last Timestamp</c>).</param>
/// <param name="Count">Sum of the folded lines' <c>Count</c>.</param>
/// <param name="Flows">Number of flow lines folded.</param>
/// <param name="SourcePorts">Distinct source ports listed, ascending.</param>
/// <param name="SourcePortsOmitted">Distinct source ports seen but not listed.</param>
public readonly record struct FlowSummary(
    FlowRecord Flow,
    DateTime FirstSeen,
    DateTime LastSeen,
    long Count,
    int Flows,
    ushort[] SourcePorts,
    int SourcePortsOmitted);
