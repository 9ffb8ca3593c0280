using k8s;

namespace Npa.Host.Lab;

/// <summary>
/// The client of <c>lab up --kubeconfig</c>, built before anything else so that a missing, unreadable
/// or malformed kubeconfig is reported before the lab creates a namespace.
/// </summary>
internal static class LabKubeconfig
{
    public static (k8s.Kubernetes Client, string Server) Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new LabException($"kubeconfig {path} does not exist");
        }

        try
        {
            using FileStream probe = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LabException($"kubeconfig {path} cannot be read: {e.Message}", e);
        }

        KubernetesClientConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new LabException($"kubeconfig {path} is not usable: {e.Message}", e);
        }

        string server = config.Host ?? "(no server)";
        try
        {
            return (new k8s.Kubernetes(config), server);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new LabException($"kubeconfig {path}: cannot build a client for {server}: {e.Message}", e);
        }
    }
}
