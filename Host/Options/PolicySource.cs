namespace Npa.Host.Options;

/// <summary>Where the node agent takes its rules from.</summary>
public enum PolicySource
{
    Unknown = 0,

    /// <summary>
    /// PolicyEndpoint objects published by a controller (npa's or the EKS one): the agent watches only its
    /// own pods and the PolicyEndpoints that select them.
    /// </summary>
    PolicyEndpoints = 1,

    /// <summary>NetworkPolicies resolved on the node itself: the agent watches every Pod, Namespace, Service and policy.</summary>
    NetworkPolicies = 2,
}
