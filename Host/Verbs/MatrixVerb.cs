using System.CommandLine;
using Npa.Resolver.Reports;
using Npa.Resolver.Verdicts;

namespace Npa.Host.Verbs;

/// <summary><c>npa matrix -f PATH... [--probe PROTO/PORT ...] [-o table|json] [--family F] [--fail-on-invalid]</c>: reachability between every pair of pods, offline.</summary>
internal static class MatrixVerb
{
    public static Command Create()
    {
        Command command = new("matrix", "Print which pods may reach which, resolved offline from manifests (rows: from, columns: to)");
        Option<string[]> files = InputOptions.Files();
        Option<string[]> probes = new("--probe")
        {
            Description = "PROTOCOL/PORT to check, e.g. TCP/80, UDP/53 or TCP/http (a port name of the destination pod); repeatable; default TCP/80",
            AllowMultipleArgumentsPerToken = true,
        };
        Option<string> output = new("--output", "-o") { Description = "table (default) or json", DefaultValueFactory = _ => "table" };
        command.Options.Add(files);
        command.Options.Add(probes);
        command.Options.Add(output);
        Option<string> family = InputOptions.Family();
        Option<bool> failOnInvalid = InputOptions.FailOnInvalid(byDefault: false);
        command.Options.Add(family);
        command.Options.Add(failOnInvalid);
        command.SetAction(parse => Run(parse.GetValue(files), parse.GetValue(probes), parse.GetValue(output), Console.Out, Console.Error,
            parse.GetValue(failOnInvalid), parse.GetValue(family)));
        return command;
    }

    internal static int Run(string[]? files, string[]? probeTexts, string? output, TextWriter stdout, TextWriter stderr,
        bool failOnInvalid = false, string? familyText = "any")
    {
        if (InputOptions.ParseFamily("matrix", familyText, stderr) is not IpFamily family)
        {
            return 2;
        }

        if (output is not ("table" or "json"))
        {
            stderr.WriteLine($"matrix: --output '{output}' is neither table nor json");
            return 2;
        }

        List<Probe> probes = [];
        foreach (string text in probeTexts is { Length: > 0 } ? probeTexts : ["TCP/80"])
        {
            if (!Probe.TryParse(text, out Probe probe, out string? error))
            {
                stderr.WriteLine($"matrix: {error}");
                return 2;
            }

            probes.Add(probe);
        }

        ManifestCluster? cluster = ManifestCluster.Load("matrix", files, stderr);
        if (cluster is null)
        {
            return 2;
        }

        ReachabilityMatrix matrix = ReachabilityMatrix.Compute(cluster.Resolved, probes, cluster.Diagnostics, family);
        if (output == "json")
        {
            stdout.WriteLine(matrix.ToJson());
            return cluster.ExitCode("matrix", failOnInvalid, 0, stderr);
        }

        foreach (string d in matrix.Diagnostics)
        {
            stderr.WriteLine(d);
        }

        stdout.Write(matrix.ToTable());
        return cluster.ExitCode("matrix", failOnInvalid, 0, stderr);
    }
}
