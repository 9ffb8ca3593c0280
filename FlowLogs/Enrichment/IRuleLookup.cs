using Npa.Resolver.MapState;

namespace Npa.FlowLogs.Enrichment;

/// <summary>The policy rule behind a rule id the enforcer put into the datapath.</summary>
public interface IRuleLookup
{
    bool TryGetRule(uint ruleId, out RuleRef? rule);
}
