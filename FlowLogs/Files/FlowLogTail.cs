using System.Runtime.CompilerServices;
using System.Text;

namespace Npa.FlowLogs.Files;

/// <summary>
/// Reads the flow log as a person wants it: rotated files oldest first, then the current file, and with
/// follow, new lines as they are written, across rotations. Rotation is detected through the open
/// handle's current name (/proc/self/fd): once the current file was renamed away, the rest of it is
/// read and the new current file opened, so no line is missed or read twice.
/// </summary>
public static class FlowLogTail
{
    public static async IAsyncEnumerable<string> ReadLinesAsync(
        FlowLogFileSet files, bool follow, TimeSpan pollInterval, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HashSet<string> done = new(StringComparer.Ordinal);
        foreach (string backup in files.Backups())
        {
            foreach (string line in ReadWhole(backup))
            {
                yield return line;
            }

            done.Add(backup);
        }

        if (!follow)
        {
            if (File.Exists(files.CurrentPath))
            {
                foreach (string line in ReadWhole(files.CurrentPath))
                {
                    yield return line;
                }
            }

            yield break;
        }

        FileStream? current = null;
        StringBuilder pending = new();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (current is null && TryOpenShared(files.CurrentPath) is { } opened)
                {
                    // (The file may be renamed away between the writer's rename and its next create: then it is simply not there yet.)
                    current = opened;
                    pending.Clear();

                    // Files rotated away while no handle was held: read them first (not the one just opened).
                    string? self = CurrentName(current);
                    foreach (string backup in files.Backups())
                    {
                        if (!done.Contains(backup) && backup != self)
                        {
                            foreach (string line in ReadWhole(backup))
                            {
                                yield return line;
                            }

                            done.Add(backup);
                        }
                    }
                }

                if (current is not null)
                {
                    string? name = CurrentName(current);
                    bool rotated = name is not null ? name != Path.GetFullPath(files.CurrentPath) : !StillLooksCurrent(current, files.CurrentPath);
                    foreach (string line in ReadAvailable(current, pending, final: rotated))
                    {
                        yield return line;
                    }

                    if (rotated)
                    {
                        if (name is not null)
                        {
                            done.Add(name);
                        }

                        await current.DisposeAsync().ConfigureAwait(false);
                        current = null;
                        continue; // open the new current file at once
                    }
                }

                try
                {
                    await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
            }
        }
        finally
        {
            if (current is not null)
            {
                await current.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static List<string> ReadWhole(string path)
    {
        try
        {
            using FileStream stream = OpenShared(path);
            return ReadAvailable(stream, new StringBuilder(), final: true);
        }
        catch (FileNotFoundException)
        {
            return []; // pruned as a backup meanwhile
        }
    }

    private static FileStream? TryOpenShared(string path)
    {
        try
        {
            return OpenShared(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static FileStream OpenShared(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);

    /// <summary>Whole lines available now; a trailing partial line waits in <paramref name="partial"/> unless <paramref name="final"/>.</summary>
    private static List<string> ReadAvailable(FileStream stream, StringBuilder partial, bool final)
    {
        List<string> lines = [];
        using StreamReader reader = new(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024, leaveOpen: true);
        char[] buffer = new char[64 * 1024];
        int n;
        while ((n = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (buffer[i] == '\n')
                {
                    partial.Append(buffer, start, i - start);
                    lines.Add(partial.ToString());
                    partial.Clear();
                    start = i + 1;
                }
            }

            partial.Append(buffer, start, n - start);
        }

        if (final && partial.Length > 0)
        {
            lines.Add(partial.ToString());
            partial.Clear();
        }

        return lines;
    }

    /// <summary>The path the open file has now (it changes when the file is renamed), or null without /proc.</summary>
    private static string? CurrentName(FileStream stream)
    {
        string link = $"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}";
        try
        {
            FileSystemInfo? target = File.ResolveLinkTarget(link, returnFinalTarget: false);
            return target is null ? null : Path.GetFullPath(target.FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool StillLooksCurrent(FileStream stream, string path)
    {
        FileInfo info = new(path);
        return info.Exists && info.Length >= stream.Position;
    }
}
