namespace Npa.Host.Lab;

/// <summary>How to run a lab.</summary>
public sealed record LabOptions(string ManifestDirectory, string StateDirectory)
{
    /// <summary>Prefix of every namespace and pin the lab creates.</summary>
    public string Prefix { get; init; } = "npa";

    /// <summary>Fixed lab id; a random one when null.</summary>
    public string? LabId { get; init; }

    /// <summary>Strict enforcing mode: pods start denied until their policy is programmed.</summary>
    public bool Strict { get; init; }

    /// <summary>Where flow logs go; <c>STATE/flows</c> when null.</summary>
    public string? FlowLogDirectory { get; init; }

    /// <summary>When set, flow lines also go to CloudWatch Logs (<c>--enable-cloudwatch-logs</c>).</summary>
    public LabCloudWatch? CloudWatch { get; init; }

    /// <summary>How often the folder is rescanned besides file-system notifications.</summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// When set, the cluster comes from this kubeconfig's API server instead of a folder;
    /// <see cref="ManifestDirectory"/> is then the folder where the source publishes what it observed.
    /// </summary>
    public string? Kubeconfig { get; init; }

    /// <summary>How long <c>lab up --kubeconfig</c> waits for the API server's first lists.</summary>
    public TimeSpan ApiReadyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The folder a kubeconfig lab publishes its observed version in, inside the state dir.</summary>
    public static string ObservedDirectory(string stateDirectory) => Path.Combine(stateDirectory, "api");
}
