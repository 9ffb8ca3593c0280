namespace Npa.FlowLogs.Records;

/// <summary>Why the datapath decided as it did; values match <c>enum npa_reason</c> in bpf/include/npa_event.h.</summary>
public enum FlowReason : uint
{
    Unknown = 0,
    Rule = 1,
    NoRule = 2,
    NotIsolated = 3,
    StrictStart = 4,
    StandardStart = 5,
    Conntrack = 6,
}
