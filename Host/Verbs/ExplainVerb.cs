using System.CommandLine;
using Npa.Resolver.Model;
using Npa.Resolver.Reports;
using Npa.Resolver.Verdicts;

namespace Npa.Host.Verbs;

/// <summary><c>npa explain -f PATH... --from ns/pod --to ns/pod --probe TCP/80 [--family F] [--fail-on-invalid]</c>: allowed or denied, and which policies and rules decide.</summary>
internal static class ExplainVerb
{
    public static Command Create()
    {
        Command command = new("explain", "Explain, offline from manifests, why one pod may or may not reach another");
        Option<string[]> files = InputOptions.Files();
        Option<string> from = new("--from") { Description = "Source pod as namespace/name" };
        Option<string> to = new("--to") { Description = "Destination pod as namespace/name" };
        Option<string> probe = new("--probe") { Description = "PROTOCOL/PORT, e.g. TCP/80 or TCP/http (a port name of the destination pod); default TCP/80" };
        command.Options.Add(files);
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(probe);
        Option<string> family = InputOptions.Family();
        Option<bool> failOnInvalid = InputOptions.FailOnInvalid(byDefault: false);
        command.Options.Add(family);
        command.Options.Add(failOnInvalid);
        command.SetAction(parse => Run(parse.GetValue(files), parse.GetValue(from), parse.GetValue(to), parse.GetValue(probe), Console.Out, Console.Error,
            parse.GetValue(failOnInvalid), parse.GetValue(family)));
        return command;
    }

    internal static int Run(string[]? files, string? fromText, string? toText, string? probeText, TextWriter stdout, TextWriter stderr,
        bool failOnInvalid = false, string? familyText = "any")
    {
        if (InputOptions.ParseFamily("explain", familyText, stderr) is not IpFamily family)
        {
            return 2;
        }

        if (!ObjectRef.TryParse(fromText, out ObjectRef from))
        {
            stderr.WriteLine($"explain: --from '{fromText}' must be a pod as namespace/name");
            return 2;
        }

        if (!ObjectRef.TryParse(toText, out ObjectRef to))
        {
            stderr.WriteLine($"explain: --to '{toText}' must be a pod as namespace/name");
            return 2;
        }

        if (!Probe.TryParse(probeText ?? "TCP/80", out Probe probe, out string? probeError))
        {
            stderr.WriteLine($"explain: {probeError}");
            return 2;
        }

        ManifestCluster? cluster = ManifestCluster.Load("explain", files, stderr);
        if (cluster is null)
        {
            return 2;
        }

        foreach (string d in cluster.Diagnostics)
        {
            stderr.WriteLine(d);
        }

        foreach (ObjectRef pod in new[] { from, to })
        {
            if (!cluster.Resolved.Pods.ContainsKey(pod))
            {
                stderr.WriteLine($"explain: pod {pod} is not in the manifests (pods: {string.Join(", ", cluster.Resolved.Pods.Keys.Order().Take(20))})");
                return 2;
            }
        }

        stdout.Write(VerdictExplanation.Render(VerdictEvaluator.Evaluate(cluster.Resolved, from, to, probe, family)));
        return cluster.ExitCode("explain", failOnInvalid, 0, stderr);
    }
}
