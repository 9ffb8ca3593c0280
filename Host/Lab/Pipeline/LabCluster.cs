using Npa.Resolver.Model;

namespace Npa.Host.Lab.Pipeline;

/// <summary>What the watched manifest folder describes at one moment.</summary>
public sealed record LabCluster(
    IReadOnlyList<NamespaceInfo> Namespaces,
    IReadOnlyList<PodInfo> Pods,
    IReadOnlyList<NetworkPolicySpec> Policies,
    IReadOnlyList<Diagnostic> Diagnostics)
{
    public IReadOnlyList<ServiceInfo> Services { get; init; } = [];
}

/// <summary>Reads a manifest folder into a <see cref="LabCluster"/> (the lab's cluster source).</summary>
public interface ILabClusterSource
{
    LabCluster Read(string directory);
}
