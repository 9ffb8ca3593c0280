using Npa.Ingest.Journal;
using Npa.Resolver.Events;
using Npa.Resolver.Model;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// Maps the informers' domain events to journal records, so a journal written from a live cluster
/// replays into the same object set. Rejections change no object and are not journaled (null).
/// </summary>
public static class ClusterEventJournal
{
    public static JournalEvent? ToJournal(ClusterEvent e) => e switch
    {
        NamespaceUpserted u => JournalModelMapper.Upsert(u.Namespace),
        NamespaceDeleted d => JournalModelMapper.Delete(JournalObjectKind.Namespace, null, d.Name),
        PodUpserted u => JournalModelMapper.Upsert(u.Pod),
        PodDeleted d => JournalModelMapper.Delete(JournalObjectKind.Pod, d.Pod.Namespace, d.Pod.Name),
        PolicyUpserted u => JournalModelMapper.Upsert(u.Policy),
        PolicyDeleted d => JournalModelMapper.Delete(JournalObjectKind.NetworkPolicy, d.Policy.Namespace, d.Policy.Name),
        ServiceUpserted u => JournalModelMapper.Upsert(u.Service),
        ServiceDeleted d => JournalModelMapper.Delete(JournalObjectKind.Service, d.Service.Namespace, d.Service.Name),
        PolicyEndpointUpserted u => JournalModelMapper.Upsert(u.Endpoint),
        PolicyEndpointDeleted d => JournalModelMapper.Delete(JournalObjectKind.PolicyEndpoint, d.Endpoint.Namespace, d.Endpoint.Name),
        SourceSynced s => JournalModelMapper.Synced(Kind(s.SyncedKind)),
        ObjectRejected => null,
        null => throw new ArgumentNullException(nameof(e)),
        _ => throw new ArgumentException($"no journal mapping for {e.GetType().Name}", nameof(e)),
    };

    public static JournalObjectKind Kind(ResourceKind kind) => kind switch
    {
        ResourceKind.Namespace => JournalObjectKind.Namespace,
        ResourceKind.Pod => JournalObjectKind.Pod,
        ResourceKind.NetworkPolicy => JournalObjectKind.NetworkPolicy,
        ResourceKind.Service => JournalObjectKind.Service,
        ResourceKind.PolicyEndpoint => JournalObjectKind.PolicyEndpoint,
        _ => JournalObjectKind.Unknown,
    };
}
