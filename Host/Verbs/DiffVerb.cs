using System.CommandLine;
using Npa.Resolver.Reports;
using Npa.Resolver.Verdicts;

namespace Npa.Host.Verbs;

/// <summary>
/// <c>npa diff --before PATH... --after PATH... [--ports P ...] [-o text|json] [--family F] [--fail-on-change] [--fail-on-invalid]</c>:
/// the connections a change to the manifests opens or closes, and the policy that causes each, for a reviewer.
/// <c>--base REF</c> instead of <c>--before</c> takes the old version from git: the <c>--after</c> paths as they are at REF.
/// </summary>
internal static class DiffVerb
{
    public static Command Create()
    {
        Command command = new("diff", "Print which connections change verdict between two versions of the manifests (e.g. a pull request's base and head), and why");
        Option<string[]> before = new("--before")
        {
            Description = "Manifest files or folders of the old version; repeatable",
            AllowMultipleArgumentsPerToken = true,
        };
        Option<string[]> after = new("--after")
        {
            Description = "Manifest files or folders of the new version; repeatable",
            AllowMultipleArgumentsPerToken = true,
        };
        Option<string> baseRef = new("--base") { Description = "Instead of --before: the --after paths as they are at this git revision (e.g. origin/main)" };
        Option<string[]> ports = new("--ports")
        {
            Description = "Only these ports: TCP/80, TCP/8000-8080, TCP/*, TCP/http; repeatable; default every port of TCP, UDP and SCTP",
            AllowMultipleArgumentsPerToken = true,
        };
        Option<string> output = new("--output", "-o") { Description = "text (default) or json", DefaultValueFactory = _ => "text" };
        Option<bool> failOnChange = new("--fail-on-change") { Description = "Exit 1 when some verdict changes (a guard for a change meant to be a refactoring)" };
        Option<string> family = InputOptions.Family();
        Option<bool> failOnInvalid = InputOptions.FailOnInvalid(byDefault: false);
        command.Options.Add(before);
        command.Options.Add(after);
        command.Options.Add(baseRef);
        command.Options.Add(ports);
        command.Options.Add(output);
        command.Options.Add(failOnChange);
        command.Options.Add(family);
        command.Options.Add(failOnInvalid);
        command.SetAction(parse => Run(parse.GetValue(before), parse.GetValue(after), parse.GetValue(ports), parse.GetValue(output), Console.Out, Console.Error,
            parse.GetValue(failOnChange), parse.GetValue(failOnInvalid), parse.GetValue(family), parse.GetValue(baseRef)));
        return command;
    }

    internal static int Run(string[]? beforePaths, string[]? afterPaths, string[]? portTexts, string? output, TextWriter stdout, TextWriter stderr,
        bool failOnChange = false, bool failOnInvalid = false, string? familyText = "any", string? baseRef = null)
    {
        if (output is not ("text" or "json"))
        {
            stderr.WriteLine($"diff: --output '{output}' is neither text nor json");
            return 2;
        }

        if (InputOptions.ParseFamily("diff", familyText, stderr) is not IpFamily family)
        {
            return 2;
        }

        List<PortSelection>? ports = null;
        foreach (string text in portTexts ?? [])
        {
            if (!PortSelection.TryParse(text, out PortSelection port, out string? error))
            {
                stderr.WriteLine($"diff: --ports {error}");
                return 2;
            }

            (ports ??= []).Add(port);
        }

        if (baseRef is not null)
        {
            if (beforePaths is { Length: > 0 } || afterPaths is not { Length: > 0 })
            {
                stderr.WriteLine("diff: --base REF takes the old version from git; give --after PATH... and no --before");
                return 2;
            }

            using GitRevision? revision = GitRevision.Export(baseRef, afterPaths, out string? error);
            if (revision is null)
            {
                stderr.WriteLine($"diff: --base: {error}");
                return 2;
            }

            return Run(revision.Paths.Count > 0 ? [.. revision.Paths] : [revision.Folder], afterPaths, portTexts, output, stdout, stderr,
                failOnChange, failOnInvalid, familyText);
        }

        if (beforePaths is not { Length: > 0 } || afterPaths is not { Length: > 0 })
        {
            stderr.WriteLine("diff: give both versions, --before PATH... and --after PATH... (or --base REF and --after PATH...)");
            return 2;
        }

        ManifestCluster? before = ManifestCluster.Load("diff --before", beforePaths, stderr);
        ManifestCluster? after = before is null ? null : ManifestCluster.Load("diff --after", afterPaths, stderr);
        if (before is null || after is null)
        {
            return 2;
        }

        foreach (string d in before.Diagnostics)
        {
            stderr.WriteLine($"before: {d}");
        }

        foreach (string d in after.Diagnostics)
        {
            stderr.WriteLine($"after: {d}");
        }

        ReachabilityDiff diff = ReachabilityDiff.Compute(before.Resolved, after.Resolved, ports, family);
        stdout.Write(output == "json" ? diff.ToJson() + "\n" : diff.ToText());
        int rc = failOnChange && diff.Changes.Count > 0 ? 1 : 0;
        rc = after.ExitCode("diff (--after)", failOnInvalid, rc, stderr);
        return before.ExitCode("diff (--before)", failOnInvalid, rc, stderr);
    }
}
