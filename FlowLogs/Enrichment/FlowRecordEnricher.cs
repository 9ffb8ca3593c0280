using Npa.FlowLogs.Records;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Enrichment;

/// <summary>
/// Adds pod names, the allowing rule, or the isolating policies to a decoded record. Every lookup is
/// optional: with none of them the record keeps its IPs and ports and still formats.
/// </summary>
public sealed class FlowRecordEnricher
{
    private readonly IPodLookup? _pods;
    private readonly IRuleLookup? _rules;
    private readonly IIsolationLookup? _isolation;

    public FlowRecordEnricher(IPodLookup? pods = null, IRuleLookup? rules = null, IIsolationLookup? isolation = null)
    {
        _pods = pods;
        _rules = rules;
        _isolation = isolation;
    }

    public void Enrich(ref FlowRecord record)
    {
        PodIdentity? source = null;
        PodIdentity? destination = null;
        if (_pods is not null)
        {
            if (_pods.TryGetPod(record.Source, out source) && source is not null)
            {
                record.SourceNamespace = source.Namespace;
                record.SourcePod = source.Name;
            }

            if (_pods.TryGetPod(record.Destination, out destination) && destination is not null)
            {
                record.DestinationNamespace = destination.Namespace;
                record.DestinationPod = destination.Name;
            }
        }

        if (record.RuleId != 0 && _rules is not null && _rules.TryGetRule(record.RuleId, out var rule) && rule is not null)
        {
            record.Rule = rule;
            return;
        }

        if (record.Verdict == FlowVerdict.Deny && _isolation is not null)
        {
            // The pod the policy protects: the destination for ingress, the source for egress.
            PodIdentity? local = record.Direction switch
            {
                Direction.Ingress => destination,
                Direction.Egress => source,
                _ => null,
            };
            if (local is not null && _isolation.TryGetIsolatingPolicies(local, record.Direction, out var policies) && policies is { Count: > 0 })
            {
                record.IsolatingPolicies = policies;
            }
        }
    }
}
