namespace Npa.Ingest.Kubernetes;

/// <summary>
/// What an informer has done so far; written only by the informer's own loop, read by tests,
/// metrics and diagnostics.
/// </summary>
public sealed class InformerCounters
{
    /// <summary>Completed lists (the first one plus every relist).</summary>
    public int Lists { get; internal set; }

    /// <summary>Watches started.</summary>
    public int Watches { get; internal set; }

    /// <summary>Times the resourceVersion expired (410 Gone) and a relist followed.</summary>
    public int Expired { get; internal set; }

    /// <summary>Objects reported deleted because a relist no longer contained them.</summary>
    public int SyntheticDeletes { get; internal set; }

    /// <summary>ADDED, MODIFIED and DELETED events applied.</summary>
    public int Events { get; internal set; }

    public int Bookmarks { get; internal set; }

    /// <summary>Watch lines skipped: malformed, unknown type or out of order.</summary>
    public int SkippedLines { get; internal set; }

    /// <summary>Objects that failed validation.</summary>
    public int Rejected { get; internal set; }

    /// <summary>Objects fetched again because a filter started to keep them.</summary>
    public int Refetches { get; internal set; }

    /// <summary>Watches abandoned by the watchdog for silence.</summary>
    public int IdleTimeouts { get; internal set; }
}
