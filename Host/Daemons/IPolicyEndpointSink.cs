using Npa.Resolver.Model;

namespace Npa.Host.Daemons;

/// <summary>
/// Where the controller publishes PolicyEndpoints: the API server, or a test's record. The sink also
/// learns what exists from the controller's PolicyEndpoint informer, so that it writes only what differs.
/// </summary>
public interface IPolicyEndpointSink
{
    /// <summary>Makes the policy's objects carry <see cref="PolicyEndpointSet.Desired"/> (or deletes them).</summary>
    Task ReconcileAsync(PolicyEndpointSet set, CancellationToken cancellationToken);

    /// <summary>An existing object as listed or watched; true when it differs from what the sink knew (its policy needs a reconcile).</summary>
    bool Observe(PolicyEndpointSpec endpoint, string resourceVersion) => false;

    /// <summary>An object reported deleted; its policy when the sink still held it (someone else deleted it).</summary>
    PolicyReference? Forget(ObjectRef endpoint) => null;

    /// <summary>Every existing object has been observed (the informer's first list is complete).</summary>
    void MarkSeeded()
    {
    }

    /// <summary>Policies that have objects as far as the sink knows (to find those whose policy is gone).</summary>
    IReadOnlyList<PolicyReference> KnownPolicies() => [];
}
