namespace Npa.Host.Health;

/// <summary>
/// When the node is ready: its journal has been restored (so enforcement continues from the last
/// known state) and the event source has completed its first full list (so that state is current).
/// </summary>
public sealed class PipelineReadiness
{
    private readonly TaskCompletionSource _journalRestored = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _sourceSynced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly TaskCompletionSource<IReadOnlySet<Npa.Resolver.Model.ObjectRef>> _podsListed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task JournalRestored => _journalRestored.Task;

    /// <summary>
    /// The node's pods once the resolver has taken in the source's first full pod list (in pipeline
    /// order, so every listed pod is in it); the stale-pod sweep waits for this.
    /// </summary>
    public Task<IReadOnlySet<Npa.Resolver.Model.ObjectRef>> PodsListed => _podsListed.Task;

    public Task SourceSynced => _sourceSynced.Task;

    public bool IsReady => JournalRestored.IsCompletedSuccessfully && SourceSynced.IsCompletedSuccessfully;

    public void MarkJournalRestored() => _journalRestored.TrySetResult();

    public void MarkSourceSynced() => _sourceSynced.TrySetResult();

    public void MarkPodsListed(IReadOnlySet<Npa.Resolver.Model.ObjectRef> pods) => _podsListed.TrySetResult(pods);

    public string Describe() =>
        IsReady ? "ready" :
        $"not ready: journal {(JournalRestored.IsCompletedSuccessfully ? "restored" : "restoring")}, " +
        $"source {(SourceSynced.IsCompletedSuccessfully ? "synced" : "listing")}";
}
