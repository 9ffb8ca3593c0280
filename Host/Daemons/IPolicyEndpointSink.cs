using Npa.Resolver.Model;

namespace Npa.Host.Daemons;

/// <summary>Where the controller publishes PolicyEndpoints: the API server, or a test's list.</summary>
public interface IPolicyEndpointSink
{
    Task ReconcileAsync(PolicyReference policy, string policyUid, IReadOnlyList<PolicyEndpointSpec> desired, CancellationToken cancellationToken);

    Task DeleteAllAsync(PolicyReference policy, CancellationToken cancellationToken);
}
