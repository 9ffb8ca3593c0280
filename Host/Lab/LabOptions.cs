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

    /// <summary>How often the folder is rescanned besides file-system notifications.</summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(2);
}
