using System.Globalization;

namespace Npa.FlowLogs.Files;

/// <summary>
/// Names of the current file and its rotated backups. A backup is
/// <c>&lt;stem&gt;-yyyy-MM-ddTHH-mm-ss.fff&lt;ext&gt;</c> (UTC): fixed width, so name order is time order.
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
        Path.Combine(Directory, $"{Stem}-{stampUtc.ToString(StampFormat, CultureInfo.InvariantCulture)}{Extension}");

    /// <summary>Rotated files, oldest first.</summary>
    public IReadOnlyList<string> Backups()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        List<string> backups = [];
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, $"{Stem}-*{Extension}"))
        {
            if (StampOf(path) is not null)
            {
                backups.Add(path);
            }
        }

        backups.Sort(StringComparer.Ordinal);
        return backups;
    }

    /// <summary>The UTC time in a backup's name; null when <paramref name="path"/> is not a backup of this set.</summary>
    public DateTime? StampOf(string path)
    {
        string name = Path.GetFileName(path);
        if (name.Length <= Stem.Length + 1 + Extension.Length || !name.StartsWith(Stem + "-", StringComparison.Ordinal) || !name.EndsWith(Extension, StringComparison.Ordinal))
        {
            return null;
        }

        string middle = name[(Stem.Length + 1)..^Extension.Length];
        return DateTime.TryParseExact(middle, StampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime stamp)
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
