using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Host.Channels;
using Npa.Host.Health;
using Npa.Host.Metrics;
using Npa.Ingest.Journal;
using Npa.Resolver.Events;

namespace Npa.Host.Stages;

/// <summary>
/// First stage. Before reading any new event it replays the journal's restored object set into the
/// pipeline as one batch, so the node enforces its last known state even when the API server cannot
/// be reached, and no pod passes through a partial state on the way.
/// Then it appends every input event to the journal before passing it on, and deletes restored
/// objects that the first full list of their kind no longer contains.
/// </summary>
public sealed class IngestStage(
    PipelineChannels channels,
    EventJournal journal,
    PipelineReadiness readiness,
    NpaMetrics metrics,
    TimeProvider time,
    ILogger<IngestStage> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            JournalReadResult restored = journal.Restored;
            IReadOnlyList<JournalEvent> objects = restored.Objects.Objects;
            RestoreReconciler reconciler = new(objects.Select(o => o.Key));
            long now = time.GetTimestamp();
            // One batch: a pod restored before the policy that isolates it must not be handed on as unisolated.
            for (int i = 0; i < objects.Count; i++)
            {
                AcceptedEvent accepted = new(ClusterEventMapper.ToCluster(objects[i]), now) { Restored = true, EndsRestore = i == objects.Count - 1 };
                await channels.Accepted.Writer.WriteAsync(accepted, stoppingToken);
            }

            StageLog.Restored(logger, objects.Count, restored.LastSequence, restored.Problems.Count);
            metrics.JournalBytes.Set(journal.TotalBytes);
            readiness.MarkJournalRestored();

            await foreach (ClusterEvent e in channels.Source.Reader.ReadAllAsync(stoppingToken))
            {
                (string kind, string id) = StageScope.Identify(e);
                using IDisposable? scope = StageScope.Begin(logger, kind, id);
                if (e is ObjectRejected rejected)
                {
                    StageLog.Rejected(logger, kind, id, string.Join("; ", rejected.Diagnostics));
                    continue;
                }

                await AcceptAsync(e, kind, id, stoppingToken);
                foreach (ClusterEvent gone in reconciler.Observe(e))
                {
                    (string goneKind, string goneId) = StageScope.Identify(gone);
                    StageLog.DeletedWhileDown(logger, goneKind, goneId);
                    await AcceptAsync(gone, goneKind, goneId, stoppingToken);
                }
            }
        }
        finally
        {
            channels.Accepted.Writer.TryComplete();
        }
    }

    private async ValueTask AcceptAsync(ClusterEvent e, string kind, string id, CancellationToken cancellationToken)
    {
        try
        {
            if (ClusterEventMapper.ToJournal(e) is { } entry)
            {
                journal.Append(entry);
                metrics.EventsJournaled.Inc();
                metrics.JournalBytes.Set(journal.TotalBytes);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The journal is a recovery aid; enforcement of the live event matters more than its record.
            metrics.StageErrors.WithLabels("ingest").Inc();
            StageLog.ItemFailed(logger, ex, nameof(IngestStage), kind, id);
        }

        await channels.Accepted.Writer.WriteAsync(new AcceptedEvent(e, time.GetTimestamp()), cancellationToken);
    }
}
