using Npa.Resolver.Model;

namespace Npa.FlowLogs.Enrichment;

/// <summary>The policies ("namespace/name") that isolate a pod in one direction.</summary>
public interface IIsolationLookup
{
    bool TryGetIsolatingPolicies(PodIdentity pod, Direction direction, out IReadOnlyList<string>? policies);
}
