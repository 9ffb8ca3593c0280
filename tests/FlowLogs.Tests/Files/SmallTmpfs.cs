using System.Diagnostics;

namespace Npa.FlowLogs.Tests.Files;

/// <summary>A uniquely named directory with a tmpfs of a given size mounted on it (a disk that can fill up); unmounted and removed on dispose.</summary>
internal sealed class SmallTmpfs : IDisposable
{
    public SmallTmpfs(int kib)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"npa-flowlogs-tmpfs-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
        try
        {
            Mount($"-t tmpfs -o size={kib}k tmpfs {Path}");
        }
        catch
        {
            Directory.Delete(Path);
            throw;
        }
    }

    public string Path { get; }

    /// <summary>Gives the file system room again (the disk is no longer full).</summary>
    public void Grow(int kib) => Mount($"-o remount,size={kib}k {Path}");

    public void Dispose()
    {
        try
        {
            Mount($"-l {Path}", "umount");
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // best effort
        }
    }

    private static void Mount(string arguments, string tool = "mount")
    {
        using Process process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardError = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {arguments} failed ({process.ExitCode}): {error}");
        }
    }
}

/// <summary>A test that mounts a file system (needs root); skips saying so otherwise.</summary>
public sealed class MountsTmpfsFactAttribute : FactAttribute
{
    public MountsTmpfsFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Skip = "SKIPPED: filling a disk needs a small tmpfs mounted, which needs Linux and root (CAP_SYS_ADMIN)";
        }
    }
}
