namespace Npa.Ingest.Journal;

/// <summary>Where the journal lives and how it rolls.</summary>
public sealed class JournalOptions
{
    /// <summary>Default directory on a node (a hostPath, so it survives the agent's container).</summary>
    public const string DefaultDirectory = "/var/lib/npa/journal";

    public string Directory { get; set; } = DefaultDirectory;

    /// <summary>A segment that has grown past this size is closed; a snapshot follows and a new segment starts.</summary>
    public long SegmentMaxBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>How many snapshots to keep; segments older than the oldest kept snapshot are deleted.</summary>
    public int SnapshotsToKeep { get; set; } = 2;

    /// <summary>
    /// fsync after every append. Off by default: a written record survives the process being killed
    /// (it is in the page cache); only a power loss can take the last records, and the informers'
    /// relist after a reboot brings the node back to the API server's truth anyway.
    /// </summary>
    public bool SyncEachAppend { get; set; }
}
