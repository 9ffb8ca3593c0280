using System.Runtime.CompilerServices;
using System.Text;

namespace Npa.FlowLogs.Files;

/// <summary>
/// Reads the flow log as a person wants it: rotated files oldest first, then the current file, and with
/// follow, new lines as they are written, across rotations. Files are told apart by identity (device
/// and inode, as Fluent Bit's tail input does), not by name: the open file has been rotated once the
/// current name stands for another file; the rest of it is read, then any file rotated meanwhile, then
/// the new current file, so no line is missed or read twice.
/// </summary>
public static partial class FlowLogTail
{
    public static async IAsyncEnumerable<string> ReadLinesAsync(
        FlowLogFileSet files, bool follow, TimeSpan pollInterval, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HashSet<FileIdentity> done = [];
        if (!follow)
        {
            // A snapshot: hold the current file first, so a rotation while the backups are read cannot
            // leave it out (renamed, it is still this handle, read last).
            using FileStream? snapshot = TryOpenShared(files.CurrentPath);
            FileIdentity? snapshotId = snapshot is null ? null : FileIdentity.Of(snapshot);
            foreach (string line in ReadBackupsNotDone(files, done, except: snapshotId))
            {
                yield return line;
            }

            if (snapshot is not null)
            {
                foreach (string line in ReadAvailable(snapshot, new StringBuilder(), final: true))
                {
                    yield return line;
                }
            }

            yield break;
        }

        foreach (string line in ReadBackupsNotDone(files, done, except: null))
        {
            yield return line;
        }

        FileStream? current = null;
        FileIdentity currentId = default;
        StringBuilder pending = new();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (current is null)
                {
                    // Files rotated while no handle was held come first.
                    foreach (string line in ReadBackupsNotDone(files, done, except: null))
                    {
                        yield return line;
                    }

                    // (Between a rotation's rename and the new file's creation the current file is simply not there yet.)
                    FileStream? opened = TryOpenShared(files.CurrentPath);
                    FileIdentity? id = opened is null ? null : FileIdentity.Of(opened);
                    if (opened is not null && id is { } identity)
                    {
                        current = opened;
                        currentId = identity;
                        pending.Clear();

                        // Rotated between that listing and the open: older than the file just opened. The file
                        // just opened may itself have been rotated since; it is read through its handle.
                        foreach (string line in ReadBackupsNotDone(files, done, except: currentId))
                        {
                            yield return line;
                        }
                    }
                    else
                    {
                        opened?.Dispose();
                    }
                }

                if (current is not null)
                {
                    bool rotated = FileIdentity.Of(files.CurrentPath) != currentId;
                    foreach (string line in ReadAvailable(current, pending, final: rotated))
                    {
                        yield return line;
                    }

                    if (rotated)
                    {
                        done.Add(currentId);
                        await current.DisposeAsync().ConfigureAwait(false);
                        current = null;
                        continue; // the files after it at once
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

    /// <summary>Backups not read yet (and not <paramref name="except"/>), oldest first; each is marked read.</summary>
    private static List<string> ReadBackupsNotDone(FlowLogFileSet files, HashSet<FileIdentity> done, FileIdentity? except)
    {
        List<string> lines = [];
        foreach (string backup in files.Backups())
        {
            if (FileIdentity.Of(backup) is not { } id || done.Contains(id) || id == except)
            {
                continue; // pruned meanwhile, read already, or the open current file
            }

            lines.AddRange(ReadWhole(backup));
            done.Add(id);
        }

        return lines;
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
}
