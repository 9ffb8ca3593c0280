using Npa.Resolver.Model;

namespace Npa.Resolver.MapState;

/// <summary>
/// Names the policy rule behind a decision: policy, direction, index of the rule in
/// <c>spec.ingress</c>/<c>spec.egress</c>, and the peer text. Flow logs and <c>explain</c> print it.
/// </summary>
public sealed record RuleRef(string PolicyNamespace, string PolicyName, Direction Direction, int RuleIndex, string Peer)
{
    public override string ToString() =>
        $"{PolicyNamespace}/{PolicyName} {Direction.ToString().ToLowerInvariant()}[{RuleIndex}] ({Peer})";
}
