namespace Npa.FlowLogs.Records;

/// <summary>Verdict of a flow event; values match <c>enum npa_verdict</c> in bpf/include/npa_event.h.</summary>
public enum FlowVerdict : byte
{
    Unknown = 0,
    Allow = 1,
    Deny = 2,
}
