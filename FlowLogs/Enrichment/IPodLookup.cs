using Npa.FlowLogs.Records;

namespace Npa.FlowLogs.Enrichment;

/// <summary>Pod by IP (pods of this node and, where known, of the cluster).</summary>
public interface IPodLookup
{
    bool TryGetPod(FlowAddress address, out PodIdentity? pod);
}
