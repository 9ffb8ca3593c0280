using Microsoft.Extensions.Logging;
using Npa.Host.Lab.Pipeline;

namespace Npa.Host.Lab;

/// <summary>The real pieces the lab runs with: cluster source, resolver and enforcer.</summary>
public static class LabComposition
{
    public static ILabClusterSource ClusterSource() => new ManifestFolderSource();

    public static ILabPolicyResolver Resolver() => new ResolverPolicySource();

    public static PodEnforcerFactory Enforcer(ILogger logger) => context => new EbpfPodEnforcer(context, logger);

    /// <summary>The API server of <see cref="LabOptions.Kubeconfig"/> when one is given, else the manifest folder.</summary>
    public static ILabClusterSource ClusterSource(LabOptions options, ILogger logger) =>
        options.Kubeconfig is { } kubeconfig
            ? new KubernetesClusterSource(kubeconfig, logger, options.ApiReadyTimeout)
            : ClusterSource();

    public static LabDaemon CreateDaemon(LabOptions options, ILogger logger) =>
        new(options, ClusterSource(options, logger), Resolver(), Enforcer(logger), logger);
}
