namespace Npa.Ingest.Kubernetes;

/// <summary>Tuning of list/watch; the defaults suit a real cluster.</summary>
public sealed record InformerOptions
{
    /// <summary>Page size of lists (<c>limit</c>); continue tokens fetch the rest.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>
    /// Page size of PolicyEndpoint lists. A PolicyEndpoint carries up to a chunk of endpoints and peers
    /// (tens of kilobytes, a hundred times a pod), so a page of <see cref="PageSize"/> of them is tens of
    /// megabytes that the reader holds at once: an agent's peak memory was set by it.
    /// </summary>
    public int PolicyEndpointPageSize { get; init; } = 50;

    /// <summary>
    /// The first list asks for <c>resourceVersion=0</c>, which the API server answers from its watch
    /// cache (as client-go's reflectors do) instead of a consistent read from etcd: a node agent's
    /// pods-by-<c>spec.nodeName</c> list then costs the server an index lookup rather than a scan of
    /// every pod in etcd, which matters when a whole DaemonSet restarts. The watch that follows
    /// brings the cache's view up to date. Relists after 410 Gone are always consistent reads.
    /// Servers before 1.31 may ignore <c>limit</c> for such a list and answer in one page.
    /// </summary>
    public bool FirstListFromWatchCache { get; init; } = true;

    /// <summary>
    /// The server ends each watch after this long (<c>timeoutSeconds</c>, jittered up to twice as
    /// long so informers do not reconnect in step); the informer then re-watches from where it was.
    /// </summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A watch that yields no line (event or bookmark) for this long is presumed dead (a half-open
    /// connection) and is abandoned; the informer re-watches from its last resourceVersion.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(11);

    /// <summary>First delay before retrying a failed list or watch; doubles up to <see cref="MaxRetryDelay"/>, with jitter.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);
}
