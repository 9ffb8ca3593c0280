namespace Npa.Ingest.Kubernetes;

/// <summary>Tuning of list/watch; the defaults suit a real cluster.</summary>
public sealed record InformerOptions
{
    /// <summary>Page size of lists (<c>limit</c>); continue tokens fetch the rest.</summary>
    public int PageSize { get; init; } = 500;

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
