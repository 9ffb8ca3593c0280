using System.Text;

namespace Npa.FlowLogs.Viewing;

/// <summary>
/// One aligned, human line per flow:
/// <c>time  verdict  direction  source -> destination  proto  policy/rule or isolating policies  xCount</c>.
/// </summary>
public static class FlowLogPrettyPrinter
{
    public const int EndpointWidth = 44;

    public static string Header() =>
        $"{"TIME",-24}  {"VERDICT",-7}  {"DIR",-7}  {"SOURCE",-EndpointWidth}    {"DESTINATION",-EndpointWidth}  {"PROTO",-6}  {"POLICY",-1}";

    public static string Format(FlowLogEntry e)
    {
        StringBuilder sb = new(200);
        sb.Append(e.Timestamp.PadRight(24)).Append("  ");
        sb.Append(e.Verdict.PadRight(7)).Append("  ");
        sb.Append((e.Direction ?? "-").PadRight(7)).Append("  ");
        sb.Append(Endpoint(e.SourceNamespace, e.SourcePod, e.SourceIp, e.SourcePort).PadRight(EndpointWidth)).Append(" -> ");
        sb.Append(Endpoint(e.DestinationNamespace, e.DestinationPod, e.DestinationIp, e.DestinationPort).PadRight(EndpointWidth)).Append("  ");
        sb.Append(e.Protocol.PadRight(6)).Append("  ");
        if (e.Policy is not null)
        {
            sb.Append(e.Policy);
            if (e.Rule is not null)
            {
                sb.Append(' ').Append(e.Rule);
            }
        }
        else if (e.IsolatingPolicies.Count > 0)
        {
            sb.Append("isolated by ").Append(string.Join(", ", e.IsolatingPolicies));
        }
        else
        {
            sb.Append('-');
        }

        if (e.Count > 1)
        {
            sb.Append("  x").Append(e.Count);
        }

        return sb.ToString().TrimEnd();
    }

    private static string Endpoint(string? ns, string? pod, string ip, int? port)
    {
        string address = ip.Contains(':') ? $"[{ip}]" : ip;
        string withPort = port is > 0 ? $"{address}:{port}" : address;
        return pod is null ? withPort : $"{ns}/{pod} ({withPort})";
    }
}
