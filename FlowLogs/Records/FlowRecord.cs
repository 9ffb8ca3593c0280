using System.Runtime.InteropServices;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Records;

/// <summary>
/// One flow as decoded from a verdict event, plus what enrichment adds (pods, policy). A value type:
/// decoding and formatting it allocates nothing. <see cref="Count"/> is above 1 for aggregated repeats.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public record struct FlowRecord
{
    /// <summary>Wall-clock time of the event, UTC.</summary>
    public DateTime Timestamp { get; set; }

    public FlowAddress Source { get; set; }

    public FlowAddress Destination { get; set; }

    public ushort SourcePort { get; set; }

    public ushort DestinationPort { get; set; }

    /// <summary>IANA protocol number (see <see cref="Npa.Resolver.Model.Protocol"/>).</summary>
    public byte Protocol { get; set; }

    public FlowVerdict Verdict { get; set; }

    public Direction Direction { get; set; }

    public FlowReason Reason { get; set; }

    /// <summary>0 = no rule; otherwise the id the enforcer gave the allowing rule.</summary>
    public uint RuleId { get; set; }

    public uint IfIndex { get; set; }

    public uint PacketLength { get; set; }

    public string? SourceNamespace { get; set; }

    public string? SourcePod { get; set; }

    public string? DestinationNamespace { get; set; }

    public string? DestinationPod { get; set; }

    /// <summary>The rule that allowed the flow, when known.</summary>
    public RuleRef? Rule { get; set; }

    /// <summary>Policies that isolate the pod in this direction ("namespace/name"), when nothing allowed the flow.</summary>
    public IReadOnlyList<string>? IsolatingPolicies { get; set; }

    /// <summary>Number of events this record stands for (1 unless aggregated).</summary>
    public int Count { get; set; }
}
