using Npa.Ingest.Manifests;

namespace Npa.Host.Lab.Pipeline;

/// <summary>The lab's cluster source: the manifest folder, read with the project's manifest reader.</summary>
public sealed class ManifestFolderSource : ILabClusterSource
{
    public LabCluster Read(string directory)
    {
        ManifestSet set = ManifestReader.ReadPaths([directory]);
        return new LabCluster(set.Namespaces, set.Pods, set.Policies, set.Diagnostics) { Services = set.Services };
    }
}
