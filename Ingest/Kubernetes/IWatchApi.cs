using System.Text.Json.Nodes;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// One page of a list: its items, the list's resourceVersion and the continue token (null on the last page).
/// Its items may be views of a parsed document the page owns: use them before disposing the page.
/// </summary>
internal sealed record ListPage(IReadOnlyList<JsonObject> Items, string ResourceVersion, string? Continue) : IDisposable
{
    /// <summary>What the items are read from (a parsed response), released with the page.</summary>
    public IDisposable? Owner { get; init; }

    public void Dispose() => Owner?.Dispose();
}

/// <summary>The list and watch calls an informer makes; one implementation talks to a real API server.</summary>
internal interface IWatchApi
{
    /// <summary>
    /// One page of a list. <paramref name="resourceVersion"/> (first page only) is sent as given: "0"
    /// lets the API server answer from its watch cache, null asks for a consistent read from etcd.
    /// </summary>
    Task<ListPage> ListAsync(ApiResource resource, int limit, string? continueToken, string? resourceVersion, CancellationToken cancellationToken);

    /// <summary>Starts a watch from <paramref name="resourceVersion"/> and returns its stream of JSON lines.</summary>
    Task<WatchStream> WatchAsync(ApiResource resource, string resourceVersion, int timeoutSeconds, CancellationToken cancellationToken);

    /// <summary>Reads one object; null when it does not exist.</summary>
    Task<JsonObject?> GetAsync(ApiResource resource, string? ns, string name, CancellationToken cancellationToken);
}

/// <summary>The lines of one watch response; disposing it closes the response.</summary>
internal sealed class WatchStream(TextReader reader, IDisposable? owner = null) : IDisposable
{
    public ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => reader.ReadLineAsync(cancellationToken);

    public void Dispose()
    {
        reader.Dispose();
        owner?.Dispose();
    }
}
