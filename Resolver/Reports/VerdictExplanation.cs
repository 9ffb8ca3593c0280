using System.Text;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Verdicts;

namespace Npa.Resolver.Reports;

/// <summary>The text <c>npa explain</c> prints for one verdict: the outcome, then each side and why.</summary>
public static class VerdictExplanation
{
    public static string Render(ConnectionVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        StringBuilder text = new();
        string port = verdict.Probe.PortName is not null && verdict.Port is int n
            ? $"{verdict.Probe} (port {n} on {verdict.To})"
            : verdict.Probe.ToString();
        text.Append($"{verdict.From} -> {verdict.To} {port}: {(verdict.Allowed ? "ALLOWED" : "DENIED")}\n");
        text.Append($"  {verdict.Reason}\n");
        if (verdict.FromIp is not null && verdict.ToIp is not null)
        {
            text.Append($"  addresses: {verdict.FromIp} -> {verdict.ToIp}\n");
        }

        if (verdict.Egress is not null)
        {
            Side(text, verdict.Egress, verdict.ToIp, verdict);
        }

        if (verdict.Ingress is not null)
        {
            Side(text, verdict.Ingress, verdict.FromIp, verdict);
        }

        return text.ToString();
    }

    private static void Side(StringBuilder text, DirectionVerdict side, System.Net.IPAddress? peer, ConnectionVerdict verdict)
    {
        string direction = side.Direction == Direction.Egress ? "egress" : "ingress";
        if (!side.Isolated)
        {
            text.Append($"  {direction} of {side.Pod}: not isolated (no NetworkPolicy selects it for {direction}): allowed\n");
            return;
        }

        text.Append($"  {direction} of {side.Pod}: isolated by {string.Join(", ", side.IsolatingPolicies)}\n");
        if (side.AllowedBy.Count == 0)
        {
            string what = side.Direction == Direction.Egress ? $"to {peer}" : $"from {peer}";
            text.Append($"    no rule allows {what} on {verdict.Probe.ProtocolText}/{verdict.Port}: denied\n");
            return;
        }

        foreach (AllowRule rule in side.AllowedBy)
        {
            string except = rule.Except.Count == 0 ? "" : $" except {string.Join(",", rule.Except)}";
            text.Append($"    allowed by {rule.Source}: {rule.Cidr}{except} {rule.Ports}\n");
        }
    }
}
