using Npa.Ingest.Kubernetes.Controller;
using Npa.Resolver.Model;

namespace Npa.Host.Daemons;

/// <summary>The API server as the sink, through Ingest's <see cref="PolicyEndpointWriter"/> (minimal writes, stable chunks).</summary>
public sealed class ApiPolicyEndpointSink(PolicyEndpointWriter writer) : IPolicyEndpointSink
{
    public Task ReconcileAsync(PolicyEndpointSet set, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        return writer.ReconcileAsync(set.Policy, set.PolicyUid, set.Desired, set.Nodes, cancellationToken);
    }

    public bool Observe(PolicyEndpointSpec endpoint, string resourceVersion) => writer.Observe(endpoint, resourceVersion);

    public PolicyReference? Forget(ObjectRef endpoint) => writer.Forget(endpoint);

    public void MarkSeeded() => writer.MarkSeeded();

    public IReadOnlyList<PolicyReference> KnownPolicies() => writer.KnownPolicies();
}
