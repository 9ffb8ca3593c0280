namespace Npa.Resolver.MapState;

/// <summary>
/// Maps the rule id carried by a verdict event (<c>rule_id</c> of <c>npa_flow_event</c>) back to the policy
/// rule that allowed the flow. Ids are stable across restarts of the agent. Id 0 never names a rule.
/// </summary>
public interface IRuleNameLookup
{
    bool TryGetRule(uint ruleId, out RuleRef rule);
}
