using System.Globalization;

namespace Npa.FlowLogs.Files;

/// <summary>
/// Names of the current file and its rotated backups. A backup is <c>&lt;file&gt;.yyyy-MM-ddTHH-mm-ss.fff</c>
/// (UTC), e.g. <c>network-policy-agent.log.2026-12-04T18-06-17.123</c>: it no longer ends in the file's
/// extension, so a log shipper whose input globs the live file (Fluent Bit's <c>network-policy-agent*.log</c>
/// in the EKS user guide) never takes a rotated file for a new one and ships its lines again. Backups named
/// as earlier versions wrote them (<c>&lt;stem&gt;-&lt;stamp&gt;&lt;ext&gt;</c>) are still recognised, read and pruned.
/// Stamps are fixed width, so within one naming name order is time order; across both, the stamp decides.
/// </summary>
public sealed class FlowLogFileSet
{
    public const string StampFormat = "yyyy-MM-dd'T'HH-mm-ss.fff";

    public FlowLogFileSet(string directory, string fileName)
    {
        Directory = directory;
        FileName = fileName;
        Stem = Path.GetFileNameWithoutExtension(fileName);
        Extension = Path.GetExtension(fileName);
    }

    public string Directory { get; }

    public string FileName { get; }

    public string Stem { get; }

    public string Extension { get; }

    public string CurrentPath => Path.Combine(Directory, FileName);

    public string BackupPath(DateTime stampUtc) =>
        Path.Combine(Directory, $"{FileName}.{stampUtc.ToString(StampFormat, CultureInfo.InvariantCulture)}");

    /// <summary>The name earlier versions gave a backup (<c>&lt;stem&gt;-&lt;stamp&gt;&lt;ext&gt;</c>); still read and pruned.</summary>
    public string LegacyBackupPath(DateTime stampUtc) =>
        Path.Combine(Directory, $"{Stem}-{stampUtc.ToString(StampFormat, CultureInfo.InvariantCulture)}{Extension}");

    /// <summary>Rotated files of both namings, oldest first (by the stamp in their names).</summary>
    public IReadOnlyList<string> Backups()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        List<(DateTime Stamp, string Path)> backups = [];
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, $"{FileName}.*")
                     .Concat(System.IO.Directory.EnumerateFiles(Directory, $"{Stem}-*{Extension}")))
        {
            if (StampOf(path) is { } stamp)
            {
                backups.Add((stamp, path));
            }
        }

        return [.. backups.OrderBy(b => b.Stamp).ThenBy(b => b.Path, StringComparer.Ordinal).Select(b => b.Path)];
    }

    /// <summary>The UTC time in a backup's name (either naming); null when <paramref name="path"/> is not a backup of this set.</summary>
    public DateTime? StampOf(string path)
    {
        string name = Path.GetFileName(path);
        string? middle = null;
        if (name.Length > FileName.Length + 1 && name.StartsWith(FileName + ".", StringComparison.Ordinal))
        {
            middle = name[(FileName.Length + 1)..];
        }
        else if (name.Length > Stem.Length + 1 + Extension.Length && name.StartsWith(Stem + "-", StringComparison.Ordinal) && name.EndsWith(Extension, StringComparison.Ordinal))
        {
            middle = name[(Stem.Length + 1)..^Extension.Length];
        }

        return middle is not null &&
            DateTime.TryParseExact(middle, StampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime stamp)
            ? stamp
            : null;
    }

    /// <summary>Every file in reading order: backups oldest first, then the current file if present.</summary>
    public IReadOnlyList<string> AllInOrder()
    {
        List<string> all = [.. Backups()];
        if (File.Exists(CurrentPath))
        {
            all.Add(CurrentPath);
        }

        return all;
    }
}
