using Npa.Resolver.Events;
using Npa.Resolver.Model;

namespace Npa.Ingest.Journal;

/// <summary>
/// Domain events to journal events and back. Upserts and deletes (real or synthetic) and sync
/// markers are journaled; <see cref="ObjectRejected"/> changes nothing and is not. Replayed events
/// carry an empty resourceVersion: the journal restores state, not API bookkeeping.
/// </summary>
public static class ClusterEventMapper
{
    /// <summary>The journal form of <paramref name="e"/>, or null when the event is not journaled.</summary>
    public static JournalEvent? ToJournal(ClusterEvent e) => e switch
    {
        NamespaceUpserted x => JournalModelMapper.Upsert(x.Namespace),
        NamespaceDeleted x => JournalModelMapper.Delete(ResourceKind.Namespace, "", x.Name),
        PodUpserted x => JournalModelMapper.Upsert(x.Pod),
        PodDeleted x => JournalModelMapper.Delete(ResourceKind.Pod, x.Pod.Namespace, x.Pod.Name),
        PolicyUpserted x => JournalModelMapper.Upsert(x.Policy),
        PolicyDeleted x => JournalModelMapper.Delete(ResourceKind.NetworkPolicy, x.Policy.Namespace, x.Policy.Name),
        ServiceUpserted x => JournalModelMapper.Upsert(x.Service),
        ServiceDeleted x => JournalModelMapper.Delete(ResourceKind.Service, x.Service.Namespace, x.Service.Name),
        PolicyEndpointUpserted x => JournalModelMapper.Upsert(x.Endpoint),
        PolicyEndpointDeleted x => DeleteEndpoint(x),
        SourceSynced x => JournalModelMapper.Synced(x.SyncedKind),
        ObjectRejected => null,
        _ => throw new ArgumentException($"no journal form for {e.GetType().Name}", nameof(e)),
    };

    /// <summary>The domain event a journal event stands for.</summary>
    public static ClusterEvent ToCluster(JournalEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return (e.Operation, e.Kind) switch
        {
            (JournalOperation.Upsert, ResourceKind.Namespace) => new NamespaceUpserted(JournalModelMapper.ToModel(Payload(e, e.NamespaceObject)), ""),
            (JournalOperation.Upsert, ResourceKind.Pod) => new PodUpserted(JournalModelMapper.ToModel(Payload(e, e.Pod)), ""),
            (JournalOperation.Upsert, ResourceKind.NetworkPolicy) => new PolicyUpserted(JournalModelMapper.ToModel(Payload(e, e.Policy)), ""),
            (JournalOperation.Upsert, ResourceKind.Service) => new ServiceUpserted(JournalModelMapper.ToModel(Payload(e, e.Service)), ""),
            (JournalOperation.Upsert, ResourceKind.PolicyEndpoint) =>
                new PolicyEndpointUpserted(JournalModelMapper.ToModel(Payload(e, e.PolicyEndpoint)), ""),
            (JournalOperation.Delete, ResourceKind.Namespace) => new NamespaceDeleted(e.Name, ""),
            (JournalOperation.Delete, ResourceKind.Pod) => new PodDeleted(new ObjectRef(e.Namespace, e.Name), "", ""),
            (JournalOperation.Delete, ResourceKind.NetworkPolicy) => new PolicyDeleted(new ObjectRef(e.Namespace, e.Name), "", ""),
            (JournalOperation.Delete, ResourceKind.Service) => new ServiceDeleted(new ObjectRef(e.Namespace, e.Name), ""),
            (JournalOperation.Delete, ResourceKind.PolicyEndpoint) =>
                new PolicyEndpointDeleted(new ObjectRef(e.Namespace, e.Name), new PolicyReference("", e.Namespace), ""),
            (JournalOperation.SourceSynced, _) => new SourceSynced(e.Kind, "", 0, 0, Relist: false),
            _ => throw new ArgumentException($"journal event {e} has no domain form", nameof(e)),
        };
    }

    /// <summary>A delete of the object <paramref name="key"/> names, marked synthetic (nothing was seen to delete it).</summary>
    public static ClusterEvent SyntheticDelete(JournalObjectKey key) => key.Kind switch
    {
        ResourceKind.Namespace => new NamespaceDeleted(key.Name, "", Synthetic: true),
        ResourceKind.Pod => new PodDeleted(new ObjectRef(key.Namespace, key.Name), "", "", Synthetic: true),
        ResourceKind.NetworkPolicy => new PolicyDeleted(new ObjectRef(key.Namespace, key.Name), "", "", Synthetic: true),
        ResourceKind.Service => new ServiceDeleted(new ObjectRef(key.Namespace, key.Name), "", Synthetic: true),
        ResourceKind.PolicyEndpoint => new PolicyEndpointDeleted(new ObjectRef(key.Namespace, key.Name), new PolicyReference("", key.Namespace), "", Synthetic: true),
        _ => throw new ArgumentException($"no object kind in {key}", nameof(key)),
    };

    /// <summary>The journal key of the object an event is about; null for sync markers and rejections.</summary>
    public static JournalObjectKey? KeyOf(ClusterEvent e) =>
        e is SourceSynced or ObjectRejected ? null : ToJournal(e)?.Key;

    private static JournalEvent DeleteEndpoint(PolicyEndpointDeleted x) =>
        JournalModelMapper.Delete(ResourceKind.PolicyEndpoint, x.Endpoint.Namespace, x.Endpoint.Name);

    private static T Payload<T>(JournalEvent e, T? payload)
        where T : class =>
        payload ?? throw new ArgumentException($"journal event {e} has no payload", nameof(e));
}
