namespace Npa.Ingest.Tests.Journal;

/// <summary>A uniquely named journal directory under the temp folder, deleted on dispose.</summary>
internal sealed class TempJournalDirectory : IDisposable
{
    public TempJournalDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"npa-journal-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string[] Segments => Directory.GetFiles(Path, "seg-*.npaj").Order(StringComparer.Ordinal).ToArray();

    public string[] Snapshots => Directory.GetFiles(Path, "snap-*.npas").Order(StringComparer.Ordinal).ToArray();

    /// <summary>A copy of this directory's files in a new temp directory.</summary>
    public TempJournalDirectory Copy()
    {
        TempJournalDirectory copy = new();
        foreach (string file in Directory.GetFiles(Path))
        {
            File.Copy(file, System.IO.Path.Combine(copy.Path, System.IO.Path.GetFileName(file)));
        }

        return copy;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleaner; never fail a test on cleanup.
        }
    }
}
