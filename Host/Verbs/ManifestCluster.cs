using Npa.Ingest.Manifests;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;

namespace Npa.Host.Verbs;

/// <summary>The offline input of <c>matrix</c>, <c>explain</c>, <c>test</c> and <c>diff</c>: manifests read from files or folders, then resolved.</summary>
internal sealed record ManifestCluster(ManifestSet Manifests, ResolvedCluster Resolved, IReadOnlyList<Diagnostic> ResolverDiagnostics)
{
    /// <summary>
    /// The exit code of a verb run with <c>--fail-on-invalid</c> when an object was rejected or a file could not be read.
    /// 1 stays "the check failed" (<c>test</c>, <c>diff --fail-on-change</c>) and 2 "bad arguments".
    /// </summary>
    public const int InvalidInputExitCode = 3;

    /// <summary>What the reader rejected or warned about, then what the resolver warns about.</summary>
    public IReadOnlyList<string> Diagnostics => Manifests.Diagnostics.Concat(ResolverDiagnostics).Select(d => d.ToString()).ToArray();

    /// <summary>True when some object was rejected or some file was unreadable (YAML syntax, I/O): the result leaves it out.</summary>
    public bool HasErrors => Manifests.HasErrors || ResolverDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>Reads and resolves; returns null and writes why to <paramref name="error"/> when a path does not exist.</summary>
    public static ManifestCluster? Load(string verb, string[]? paths, TextWriter error)
    {
        if (paths is null || paths.Length == 0)
        {
            error.WriteLine($"{verb}: give at least one manifest file or folder with -f/--file");
            return null;
        }

        string[] missing = paths.Where(p => !File.Exists(p) && !Directory.Exists(p)).ToArray();
        if (missing.Length > 0)
        {
            error.WriteLine($"{verb}: no such file or folder: {string.Join(", ", missing)}");
            return null;
        }

        ManifestSet set = ManifestReader.ReadPaths(paths);
        ResolverState state = ResolverState.FromSnapshot(new ClusterSnapshot(set.Namespaces, set.Pods, set.Policies, set.Services));
        return new ManifestCluster(set, state.Result, state.Diagnostics());
    }

    /// <summary>
    /// The exit code for a run whose own outcome is <paramref name="exitCode"/> (0 passed, 1 a check failed):
    /// <see cref="InvalidInputExitCode"/> instead when <paramref name="failOnInvalid"/> is set and the input had
    /// errors, with a line saying so. Invalid input wins over a failed check, which it may well explain.
    /// </summary>
    public int ExitCode(string verb, bool failOnInvalid, int exitCode, TextWriter error)
    {
        if (!failOnInvalid || !HasErrors || exitCode is not (0 or 1))
        {
            return exitCode;
        }

        int count = Manifests.Diagnostics.Concat(ResolverDiagnostics).Count(d => d.Severity == DiagnosticSeverity.Error);
        error.WriteLine($"{verb}: {count} invalid object(s) or unreadable file(s) in the input (--fail-on-invalid): exit {InvalidInputExitCode}");
        return InvalidInputExitCode;
    }
}
