namespace Npa.Ingest.Tests.Kubernetes.FakeApiServer;

/// <summary>Files of the Helm chart, found from the test's output folder up to the repository root.</summary>
public static class ChartFiles
{
    public static string Chart { get; } = Find();

    public static string PolicyEndpointCrd => Path.Combine(Chart, "crds", "policyendpoints.networking.k8s.aws.yaml");

    public static string Template(string name) => Path.Combine(Chart, "templates", name);

    /// <summary>The schema the API server enforces once our CRD is installed.</summary>
    public static StructuralSchema PolicyEndpointSchema { get; } = StructuralSchema.FromCrdFile(PolicyEndpointCrd, "v1alpha1");

    private static string Find()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string chart = Path.Combine(dir.FullName, "helm", "network-policy-agent");
            if (File.Exists(Path.Combine(chart, "Chart.yaml")))
            {
                return chart;
            }
        }

        throw new DirectoryNotFoundException($"helm/network-policy-agent not found above {AppContext.BaseDirectory}");
    }
}
