namespace Npa.Host.Tests.Verbs;

/// <summary>Paths the verb tests read (the Stars demo) and a scratch folder for manifests a test writes.</summary>
internal static class VerbFixtures
{
    public static string Stars { get; } = Path.Combine(RepositoryRoot(), "demo", "stars");

    /// <summary>The Stars cluster (namespaces and pods) and the policies of steps 1..<paramref name="step"/>, as -f paths.</summary>
    public static string[] StarsAtStep(int step)
    {
        string[] steps = Directory.GetDirectories(Path.Combine(Stars, "steps")).Order(StringComparer.Ordinal).ToArray();
        return [Path.Combine(Stars, "00-namespaces.yaml"), Path.Combine(Stars, "01-pods.yaml"), .. steps.Take(step)];
    }

    public static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Pipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (Pipeline.sln) above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary folder of files a test writes, removed when disposed.</summary>
internal sealed class ScratchFolder : IDisposable
{
    public ScratchFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "npa-verbs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string text)
    {
        string file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
