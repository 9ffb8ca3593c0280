using System.Globalization;

namespace Npa.Ingest.Journal;

/// <summary>
/// File names of a journal directory: segments <c>seg-&lt;first sequence, 20 digits&gt;.npaj</c>
/// and snapshots <c>snap-&lt;last sequence included, 20 digits&gt;.npas</c>, so ordinal order is
/// sequence order.
/// </summary>
internal static class JournalFiles
{
    public const string SegmentPrefix = "seg-";
    public const string SegmentExtension = ".npaj";
    public const string SnapshotPrefix = "snap-";
    public const string SnapshotExtension = ".npas";

    public static string SegmentName(ulong firstSequence) =>
        $"{SegmentPrefix}{firstSequence.ToString("D20", CultureInfo.InvariantCulture)}{SegmentExtension}";

    public static string SnapshotName(ulong sequence) =>
        $"{SnapshotPrefix}{sequence.ToString("D20", CultureInfo.InvariantCulture)}{SnapshotExtension}";

    /// <summary>Segments as (first sequence, path), oldest first.</summary>
    public static List<(ulong First, string Path)> Segments(string directory) => List(directory, SegmentPrefix, SegmentExtension);

    /// <summary>Snapshots as (sequence, path), oldest first.</summary>
    public static List<(ulong First, string Path)> Snapshots(string directory) => List(directory, SnapshotPrefix, SnapshotExtension);

    private static List<(ulong, string)> List(string directory, string prefix, string extension)
    {
        List<(ulong, string)> found = [];
        if (!Directory.Exists(directory))
        {
            return found;
        }

        foreach (string path in Directory.EnumerateFiles(directory, prefix + "*" + extension))
        {
            string name = Path.GetFileName(path);
            string digits = name[prefix.Length..^extension.Length];
            if (ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n))
            {
                found.Add((n, path));
            }
        }

        found.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return found;
    }
}
