using System.Diagnostics;
using System.Formats.Tar;

namespace Npa.Host.Verbs;

/// <summary>
/// Manifest paths as a git revision has them, for <c>npa diff --base REF</c>: each path is exported with
/// <c>git archive</c> into a temporary folder, so the old version is read by the same manifest reader as the new one.
/// </summary>
internal sealed class GitRevision : IDisposable
{
    private GitRevision(string folder, IReadOnlyList<string> paths)
    {
        Folder = folder;
        Paths = paths;
    }

    /// <summary>The temporary folder holding the exported files; removed on dispose.</summary>
    public string Folder { get; }

    /// <summary>Where each given path that existed at the revision was exported to.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>Exports <paramref name="paths"/> as they are at <paramref name="revision"/>; null with the reason in <paramref name="error"/> when git cannot.</summary>
    public static GitRevision? Export(string revision, IReadOnlyList<string> paths, out string? error)
    {
        error = null;
        string folder = Path.Combine(Path.GetTempPath(), "npa-base-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        List<string> exported = [];
        foreach (string path in paths)
        {
            string full = Path.GetFullPath(path);
            string workdir = Directory.Exists(full) ? full : Path.GetDirectoryName(full)!;
            if (Git(workdir, ["rev-parse", "--show-toplevel"], out MemoryStream top, out string stderr) != 0)
            {
                error = $"{path} is not in a git repository: {stderr.Trim()}";
                break;
            }

            string root = System.Text.Encoding.UTF8.GetString(top.ToArray()).Trim();
            string relative = Path.GetRelativePath(root, full).Replace('\\', '/');
            if (Git(root, ["archive", "--format=tar", revision, "--", relative], out MemoryStream tar, out stderr) != 0)
            {
                if (stderr.Contains("did not match any files", StringComparison.Ordinal))
                {
                    continue; // added after the revision: nothing to compare against
                }

                error = $"git archive {revision} -- {relative}: {stderr.Trim()}";
                break;
            }

            tar.Position = 0;
            TarFile.ExtractToDirectory(tar, folder, overwriteFiles: true);
            exported.Add(Path.Combine(folder, relative));
        }

        if (error is not null)
        {
            Directory.Delete(folder, recursive: true);
            return null;
        }

        return new GitRevision(folder, exported);
    }

    public void Dispose()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }

    private static int Git(string workdir, string[] args, out MemoryStream stdout, out string stderr)
    {
        ProcessStartInfo start = new("git")
        {
            WorkingDirectory = workdir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process git = Process.Start(start) ?? throw new InvalidOperationException("cannot start git");
        stdout = new MemoryStream();
        Task<string> errors = git.StandardError.ReadToEndAsync();
        git.StandardOutput.BaseStream.CopyTo(stdout);
        git.WaitForExit();
        stderr = errors.GetAwaiter().GetResult();
        return git.ExitCode;
    }
}
