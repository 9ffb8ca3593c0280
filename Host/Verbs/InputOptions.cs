using System.CommandLine;
using Npa.Resolver.Verdicts;

namespace Npa.Host.Verbs;

/// <summary>The options every offline resolver verb shares, declared once so their names and help read the same everywhere.</summary>
internal static class InputOptions
{
    public static Option<string[]> Files(string name = "--file", params string[] aliases) => new(name, aliases.Length == 0 ? ["-f"] : aliases)
    {
        Description = "Manifest files or folders (Namespaces, Pods, NetworkPolicies, Services); repeatable",
        AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>
    /// <c>-f</c> for a verb that also takes positional files: one path per <c>-f</c>, so in
    /// <c>npa test -f demo/stars expectations.yaml</c> the expectations are not taken for manifests.
    /// </summary>
    public static Option<string[]> OneFilePerFlag() => new("--file", "-f")
    {
        Description = "A manifest file or folder (Namespaces, Pods, NetworkPolicies, Services); repeat -f for more",
    };

    public static Option<bool> FailOnInvalid(bool byDefault) => new("--fail-on-invalid")
    {
        Description = $"Exit {ManifestCluster.InvalidInputExitCode} when an object is rejected or a file is unreadable (YAML syntax); default {(byDefault ? "on" : "off")}",
        DefaultValueFactory = _ => byDefault,
    };

    public static Option<string> Family() => new("--family")
    {
        Description = "Address family to decide verdicts for: ipv4, ipv6, or any (default: allowed when some family both pods have allows it)",
        DefaultValueFactory = _ => "any",
    };

    /// <summary>Parses a <c>--family</c> value, or writes why not and returns null.</summary>
    public static IpFamily? ParseFamily(string verb, string? text, TextWriter error)
    {
        if (IpFamilies.TryParse(text, out IpFamily family))
        {
            return family;
        }

        error.WriteLine($"{verb}: --family '{text}' is not ipv4, ipv6 or any");
        return null;
    }
}
