namespace Npa.FlowLogs.Formatting;

/// <summary>
/// Field names of a flow-log line, in the order they are written. The first ten are the names the
/// EKS flow-log example uses; dashboards and queries depend on them, so they never change.
/// </summary>
public static class FlowLogFields
{
    public const string Level = "level";
    public const string Timestamp = "timestamp";
    public const string Logger = "logger";
    public const string Message = "msg";
    public const string SourceIp = "Src IP";
    public const string SourcePort = "Src Port";
    public const string DestinationIp = "Dest IP";
    public const string DestinationPort = "Dest Port";
    public const string Protocol = "Proto";
    public const string Verdict = "Verdict";
    public const string Direction = "Direction";
    public const string Node = "Node";
    public const string SourceNamespace = "Src Namespace";
    public const string SourcePod = "Src Pod";
    public const string DestinationNamespace = "Dest Namespace";
    public const string DestinationPod = "Dest Pod";
    public const string Policy = "Policy";
    public const string Rule = "Rule";
    public const string IsolatingPolicies = "Isolating Policies";
    public const string IsolatingPoliciesOmitted = "Isolating Policies Omitted";
    public const string Count = "Count";

    // Only in flow summaries (several flows folded into one CloudWatch event, see FlowSummary).
    public const string SourcePorts = "Src Ports";
    public const string SourcePortsOmitted = "Src Ports Omitted";
    public const string Flows = "Flows";
    public const string LastTimestamp = "Last Timestamp";

    public const string LoggerValue = "ebpf-client";
    public const string MessageValue = "Flow Info: ";
    public const string LevelValue = "info";
    public const string Accept = "ACCEPT";
    public const string Deny = "DENY";
}
