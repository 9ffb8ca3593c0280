using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Verdicts;

namespace Npa.Resolver.Reports;

/// <summary>
/// A range of ports of one protocol from one pod to another whose verdict differs between two versions of the
/// manifests, with both verdicts and <see cref="Cause"/>: which side changed and by which policy or rule.
/// </summary>
public sealed record VerdictChange(ObjectRef From, ObjectRef To, Protocol Protocol, int FirstPort, int LastPort, ConnectionVerdict Before, ConnectionVerdict After)
{
    public bool Opened => After.Allowed && !Before.Allowed;

    /// <summary>"TCP/6379", "TCP/1-6378".</summary>
    public string PortText => FirstPort == LastPort
        ? $"{Protocol.ToString().ToUpperInvariant()}/{FirstPort}"
        : $"{Protocol.ToString().ToUpperInvariant()}/{FirstPort}-{LastPort}";

    /// <summary>
    /// Why the verdict changed, side by side: "ingress of stars/backend now isolated by stars/default-deny, and no rule
    /// allows it", "ingress of stars/frontend allowed by stars/frontend-policy ingress[0] (namespaceSelector role=client)".
    /// </summary>
    public string Cause
    {
        get
        {
            List<string> parts = [];
            foreach ((DirectionVerdict? before, DirectionVerdict? after) in new[] { (Before.Egress, After.Egress), (Before.Ingress, After.Ingress) })
            {
                if (before is null || after is null || before.Allowed == after.Allowed)
                {
                    continue;
                }

                string side = $"{(after.Direction == Direction.Egress ? "egress" : "ingress")} of {after.Pod}";
                parts.Add(after.Allowed
                    ? after.Isolated
                        ? $"{side} allowed by {Rules(after.AllowedBy)}"
                        : $"{side} no longer isolated (was by {string.Join(", ", before.IsolatingPolicies)})"
                    : before.Isolated
                        ? $"{side}: {Rules(before.AllowedBy)} no longer allows it{Newly(before, after)}"
                        : $"{side} now isolated by {string.Join(", ", after.IsolatingPolicies)}, and no rule allows it");
            }

            return parts.Count > 0 ? string.Join("; ", parts) : After.Reason;
        }
    }

    /// <summary>"+ from -> to TCP/80: now ALLOWED (cause)" for an opening, "- ...: now DENIED (cause)" for a closing.</summary>
    public override string ToString() =>
        $"{(Opened ? "+" : "-")} {From} -> {To} {PortText}: now {(Opened ? "ALLOWED" : "DENIED")} ({Cause})";

    private static string Rules(IEnumerable<AllowRule> rules) => string.Join(", ", rules.Select(r => r.Source.ToString()).Distinct());

    private static string Newly(DirectionVerdict before, DirectionVerdict after)
    {
        ObjectRef[] added = after.IsolatingPolicies.Except(before.IsolatingPolicies).ToArray();
        return added.Length == 0 ? "" : $" (newly isolated by {string.Join(", ", added)})";
    }
}
