using System.CommandLine;
using Npa.Resolver.Model;
using Npa.Resolver.Reports;
using Npa.Resolver.Verdicts;

namespace Npa.Host.Verbs;

/// <summary>
/// <c>npa test -f PATH... EXPECTATIONS.yaml... [--junit FILE] [--family F] [--fail-on-invalid=false]</c>: checks what a
/// team expects of its policies against the manifests, offline, with the resolver <c>matrix</c> and <c>explain</c> use.
/// Exit codes: 0 every expectation passed, 1 some failed, 2 bad arguments or an invalid expectations file,
/// 3 a manifest object was rejected or a file unreadable (<c>--fail-on-invalid</c>, on by default here).
/// </summary>
internal static class TestVerb
{
    public static Command Create()
    {
        Command command = new("test", "Check expectations (who may and may not reach whom) against manifests; for CI. Exit 0 all passed, 1 some failed, 2 bad arguments or expectations, 3 invalid manifests");
        Option<string[]> files = InputOptions.OneFilePerFlag();
        Argument<string[]> expectations = new("EXPECTATIONS")
        {
            Description = "YAML files of expectations (see docs/policy-tests.md)",
            Arity = ArgumentArity.OneOrMore,
        };
        Option<string> junit = new("--junit") { Description = "Also write the results as JUnit XML to this file, for CI test reports" };
        Option<string> family = InputOptions.Family();
        Option<bool> failOnInvalid = InputOptions.FailOnInvalid(byDefault: true);
        command.Options.Add(files);
        command.Arguments.Add(expectations);
        command.Options.Add(junit);
        command.Options.Add(family);
        command.Options.Add(failOnInvalid);
        command.SetAction(parse => Run(parse.GetValue(files), parse.GetValue(expectations), parse.GetValue(junit),
            Console.Out, Console.Error, parse.GetValue(failOnInvalid), parse.GetValue(family)));
        return command;
    }

    internal static int Run(string[]? files, string[]? expectationFiles, string? junitFile, TextWriter stdout, TextWriter stderr,
        bool failOnInvalid = true, string? familyText = "any")
    {
        if (InputOptions.ParseFamily("test", familyText, stderr) is not IpFamily family)
        {
            return 2;
        }

        if (expectationFiles is not { Length: > 0 })
        {
            stderr.WriteLine("test: give at least one expectations file");
            return 2;
        }

        List<string> errors = [];
        List<PolicyExpectation> expectations = [];
        foreach (string file in expectationFiles)
        {
            expectations.AddRange(ExpectationFile.Read(file, errors));
        }

        if (errors.Count > 0)
        {
            foreach (string error in errors)
            {
                stderr.WriteLine($"test: {error}");
            }

            return 2;
        }

        ManifestCluster? cluster = ManifestCluster.Load("test", files, stderr);
        if (cluster is null)
        {
            return 2;
        }

        foreach (string d in cluster.Diagnostics)
        {
            stderr.WriteLine(d);
        }

        PolicyTestReport report = PolicyTestReport.Evaluate(cluster.Resolved, cluster.Manifests.Namespaces, expectations, family);
        stdout.Write(report.ToText());
        if (junitFile is not null)
        {
            IReadOnlyList<string> invalid = failOnInvalid
                ? cluster.Manifests.Diagnostics.Concat(cluster.ResolverDiagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToArray()
                : [];
            try
            {
                File.WriteAllText(junitFile, report.ToJUnit("npa test", invalid));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"test: cannot write --junit {junitFile}: {e.Message}");
                return 2;
            }
        }

        return cluster.ExitCode("test", failOnInvalid, report.Passed ? 0 : 1, stderr);
    }
}
