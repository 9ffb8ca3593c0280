using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.Host.Lab;

namespace Npa.Host.Tests.Lab.Kernel;

/// <summary>
/// A manifest folder and a lab on it, named with a unique <c>npt…</c> prefix so it never meets anyone
/// else's namespaces; disposing tears the lab down and deletes the folders.
/// </summary>
public sealed class LabFixture : IAsyncDisposable
{
    public LabFixture()
    {
        Prefix = "npt" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        Root = Directory.CreateTempSubdirectory(Prefix + "-").FullName;
        Manifests = Directory.CreateDirectory(Path.Combine(Root, "manifests")).FullName;
        StateDirectory = Path.Combine(Root, "state");
    }

    public string Prefix { get; }

    public string Root { get; }

    public string Manifests { get; }

    public string StateDirectory { get; }

    public LabDaemon? Daemon { get; private set; }

    public void Write(string name, string yaml) => File.WriteAllText(Path.Combine(Manifests, name), yaml);

    public void Delete(string name) => File.Delete(Path.Combine(Manifests, name));

    public async Task<LabDaemon> StartAsync(LabCloudWatch? cloudWatch = null, bool strict = false)
    {
        LabOptions options = new(Manifests, StateDirectory) { Prefix = Prefix, RescanInterval = TimeSpan.FromMilliseconds(500), CloudWatch = cloudWatch, Strict = strict };
        Daemon = new LabDaemon(options, NullLoggerFactory.Instance);
        await Daemon.StartAsync(CancellationToken.None).WaitAsync(Npa.Tests.Shared.TestTimeouts.Default);
        return Daemon;
    }

    /// <summary>Namespaces under /run/netns that carry this fixture's prefix.</summary>
    public IReadOnlyList<string> LeftoverNamespaces() =>
        Directory.Exists("/run/netns") ? [.. Directory.GetFiles("/run/netns").Select(Path.GetFileName).OfType<string>().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))] : [];

    public static string Pod(string ns, string name, string ips, string ports)
    {
        string[] addresses = ips.Split(',');
        return $"""
            apiVersion: v1
            kind: Pod
            metadata:
              namespace: {ns}
              name: {name}
              labels:
                pod: {name}
            spec:
              containers:
                - name: c
                  ports: [{ports}]
            status:
              podIP: {addresses[0]}
              podIPs: [{string.Join(", ", addresses.Select(a => "{ip: \"" + a + "\"}"))}]
            ---

            """;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Daemon is not null)
            {
                await Daemon.DisposeAsync();
            }
        }
        finally
        {
            foreach (string ns in LeftoverNamespaces())
            {
                Npa.Host.Lab.Kernel.Shell.Run("ip", ["netns", "del", ns]);
            }

            Directory.Delete(Root, recursive: true);
        }
    }
}
