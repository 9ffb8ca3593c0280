using System.Net;
using Npa.Resolver.Model;

namespace Npa.Host.Stages;

/// <summary>What the node knows about pods, whichever resolver feeds it: uids for the enforcer, addresses for flow logs.</summary>
public interface INodePodDirectory
{
    /// <summary>The uid of a pod the node knows, or null.</summary>
    string? UidOf(ObjectRef pod);

    /// <summary>Every known pod's addresses (safe to enumerate from another thread).</summary>
    IEnumerable<KeyValuePair<ObjectRef, IReadOnlyList<IPAddress>>> PodAddresses { get; }
}
