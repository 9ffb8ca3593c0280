using Npa.Resolver.Model;

namespace Npa.Ingest.Manifests;

/// <summary>
/// Every object read from a set of manifests, already validated. Rejected objects are absent and
/// explained in <see cref="Diagnostics"/>. Namespaces that objects use but no manifest declares are
/// present with only the <c>kubernetes.io/metadata.name</c> label, as the API server would hold them.
/// </summary>
public sealed record ManifestSet(
    IReadOnlyList<NamespaceInfo> Namespaces,
    IReadOnlyList<PodInfo> Pods,
    IReadOnlyList<NetworkPolicySpec> Policies,
    IReadOnlyList<ServiceInfo> Services,
    IReadOnlyList<PolicyEndpointSpec> PolicyEndpoints,
    IReadOnlyList<Diagnostic> Diagnostics)
{
    public static ManifestSet Empty { get; } = new([], [], [], [], [], []);

    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}
