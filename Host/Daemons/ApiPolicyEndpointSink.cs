using Npa.Ingest.Kubernetes.Controller;
using Npa.Resolver.Model;

namespace Npa.Host.Daemons;

/// <summary>The API server as the sink, through Ingest's <see cref="PolicyEndpointWriter"/> (minimal writes).</summary>
public sealed class ApiPolicyEndpointSink(PolicyEndpointWriter writer) : IPolicyEndpointSink
{
    public Task ReconcileAsync(PolicyReference policy, string policyUid, IReadOnlyList<PolicyEndpointSpec> desired, CancellationToken cancellationToken) =>
        writer.ReconcileAsync(policy, policyUid, desired, cancellationToken);

    public Task DeleteAllAsync(PolicyReference policy, CancellationToken cancellationToken) =>
        writer.DeleteAllAsync(policy, cancellationToken);
}
