using Npa.Ingest.Manifests;
using Npa.Resolver.Resolution;

namespace Npa.Host.Verbs;

/// <summary>The offline input of <c>matrix</c> and <c>explain</c>: manifests read from files or folders, then resolved.</summary>
internal sealed record ManifestCluster(ManifestSet Manifests, ResolvedCluster Resolved, IReadOnlyList<Npa.Resolver.Model.Diagnostic> ResolverDiagnostics)
{
    /// <summary>What the reader rejected or warned about, then what the resolver warns about.</summary>
    public IReadOnlyList<string> Diagnostics => Manifests.Diagnostics.Concat(ResolverDiagnostics).Select(d => d.ToString()).ToArray();

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
}
