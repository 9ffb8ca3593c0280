namespace Npa.Ingest.Kubernetes;

/// <summary>A started <see cref="KubernetesSource"/>: its informers, readiness and completion.</summary>
public sealed class RunningSource : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly IDisposable? _client;

    internal RunningSource(IReadOnlyList<IResourceInformer> informers, Task completion, CancellationTokenSource stop, IDisposable? client)
    {
        Informers = informers;
        Completion = completion;
        _stop = stop;
        _client = client;
        Ready = Task.WhenAll(informers.Select(i => i.Ready));
    }

    public IReadOnlyList<IResourceInformer> Informers { get; }

    /// <summary>Completes when every informer has reported its first full list.</summary>
    public Task Ready { get; }

    /// <summary>Completes when the source has stopped (after cancellation).</summary>
    public Task Completion { get; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected on stop.
        }

        _stop.Dispose();
        _client?.Dispose();
    }
}
