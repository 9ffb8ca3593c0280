using Npa.Host.Lab.Pipeline;

namespace Npa.Host.Lab;

/// <summary>The real pieces the lab runs with: cluster source, resolver and enforcer.</summary>
public static class LabComposition
{
    public static ILabClusterSource ClusterSource() => new ManifestFolderSource();

    public static ILabPolicyResolver Resolver() => new UnavailablePolicyResolver();

    public static PodEnforcerFactory EnforcerFactory { get; } = _ => new UnenforcedPodEnforcer();

    public static LabDaemon CreateDaemon(LabOptions options, Microsoft.Extensions.Logging.ILogger logger) =>
        new(options, ClusterSource(), Resolver(), EnforcerFactory, logger);
}
