using Npa.Enforcer;
using Npa.FlowLogs.Enrichment;
using Npa.Resolver.MapState;

namespace Npa.Host.Stages;

/// <summary>
/// Rule ids in verdict events to the policy rules the enforcer registered for them: how the agent's
/// flow-log stage and the lab's enforcer name the deciding rule in a flow line.
/// </summary>
public sealed class EnforcerRuleLookup(NodeEnforcer node) : IRuleLookup
{
    public bool TryGetRule(uint ruleId, out RuleRef? rule)
    {
        bool found = node.RuleIds.TryGetRule(ruleId, out RuleRef r);
        rule = found ? r : null;
        return found;
    }
}
