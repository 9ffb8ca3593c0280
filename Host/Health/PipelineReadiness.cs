namespace Npa.Host.Health;

/// <summary>
/// When the node is ready: its journal has been restored (so enforcement continues from the last
/// known state) and the event source has completed its first full list (so that state is current).
/// </summary>
public sealed class PipelineReadiness
{
    private readonly TaskCompletionSource journalRestored = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource sourceSynced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task JournalRestored => journalRestored.Task;

    public Task SourceSynced => sourceSynced.Task;

    public bool IsReady => JournalRestored.IsCompletedSuccessfully && SourceSynced.IsCompletedSuccessfully;

    public void MarkJournalRestored() => journalRestored.TrySetResult();

    public void MarkSourceSynced() => sourceSynced.TrySetResult();

    public string Describe() =>
        IsReady ? "ready" :
        $"not ready: journal {(JournalRestored.IsCompletedSuccessfully ? "restored" : "restoring")}, " +
        $"source {(SourceSynced.IsCompletedSuccessfully ? "synced" : "listing")}";
}
