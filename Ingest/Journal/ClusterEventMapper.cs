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
        NamespaceDeleted x => JournalModelMapper.Delete(JournalObjectKind.Namespace, "", x.Name),
        PodUpserted x => JournalModelMapper.Upsert(x.Pod),
        PodDeleted x => JournalModelMapper.Delete(JournalObjectKind.Pod, x.Pod.Namespace, x.Pod.Name),
        PolicyUpserted x => JournalModelMapper.Upsert(x.Policy),
        PolicyDeleted x => JournalModelMapper.Delete(JournalObjectKind.NetworkPolicy, x.Policy.Namespace, x.Policy.Name),
        ServiceUpserted x => JournalModelMapper.Upsert(x.Service),
        ServiceDeleted x => JournalModelMapper.Delete(JournalObjectKind.Service, x.Service.Namespace, x.Service.Name),
        PolicyEndpointUpserted x => JournalModelMapper.Upsert(x.Endpoint),
        PolicyEndpointDeleted x => DeleteEndpoint(x),
        SourceSynced x => JournalModelMapper.Synced((JournalObjectKind)x.SyncedKind),
        ObjectRejected => null,
        _ => throw new ArgumentException($"no journal form for {e.GetType().Name}", nameof(e)),
    };

    /// <summary>The domain event a journal event stands for.</summary>
    public static ClusterEvent ToCluster(JournalEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return (e.Operation, e.Kind) switch
        {
            (JournalOperation.Upsert, JournalObjectKind.Namespace) => new NamespaceUpserted(JournalModelMapper.ToModel(Payload(e, e.NamespaceObject)), ""),
            (JournalOperation.Upsert, JournalObjectKind.Pod) => new PodUpserted(JournalModelMapper.ToModel(Payload(e, e.Pod)), ""),
            (JournalOperation.Upsert, JournalObjectKind.NetworkPolicy) => new PolicyUpserted(JournalModelMapper.ToModel(Payload(e, e.Policy)), ""),
            (JournalOperation.Upsert, JournalObjectKind.Service) => new ServiceUpserted(JournalModelMapper.ToModel(Payload(e, e.Service)), ""),
            (JournalOperation.Upsert, JournalObjectKind.PolicyEndpoint) =>
                new PolicyEndpointUpserted(JournalModelMapper.ToModel(Payload(e, e.PolicyEndpoint)), ""),
            (JournalOperation.Delete, JournalObjectKind.Namespace) => new NamespaceDeleted(e.Name, ""),
            (JournalOperation.Delete, JournalObjectKind.Pod) => new PodDeleted(new ObjectRef(e.Namespace, e.Name), "", ""),
            (JournalOperation.Delete, JournalObjectKind.NetworkPolicy) => new PolicyDeleted(new ObjectRef(e.Namespace, e.Name), "", ""),
            (JournalOperation.Delete, JournalObjectKind.Service) => new ServiceDeleted(new ObjectRef(e.Namespace, e.Name), ""),
            (JournalOperation.Delete, JournalObjectKind.PolicyEndpoint) =>
                new PolicyEndpointDeleted(new ObjectRef(e.Namespace, e.Name), new PolicyReference("", e.Namespace), ""),
            (JournalOperation.SourceSynced, _) => new SourceSynced((ResourceKind)e.Kind, "", 0, 0, Relist: false),
            _ => throw new ArgumentException($"journal event {e} has no domain form", nameof(e)),
        };
    }

    /// <summary>A delete of the object <paramref name="key"/> names, marked synthetic (nothing was seen to delete it).</summary>
    public static ClusterEvent SyntheticDelete(JournalObjectKey key) => key.Kind switch
    {
        JournalObjectKind.Namespace => new NamespaceDeleted(key.Name, "", Synthetic: true),
        JournalObjectKind.Pod => new PodDeleted(new ObjectRef(key.Namespace, key.Name), "", "", Synthetic: true),
        JournalObjectKind.NetworkPolicy => new PolicyDeleted(new ObjectRef(key.Namespace, key.Name), "", "", Synthetic: true),
        JournalObjectKind.Service => new ServiceDeleted(new ObjectRef(key.Namespace, key.Name), "", Synthetic: true),
        JournalObjectKind.PolicyEndpoint => new PolicyEndpointDeleted(new ObjectRef(key.Namespace, key.Name), new PolicyReference("", key.Namespace), "", Synthetic: true),
        _ => throw new ArgumentException($"no object kind in {key}", nameof(key)),
    };

    /// <summary>The journal key of the object an event is about; null for sync markers and rejections.</summary>
    public static JournalObjectKey? KeyOf(ClusterEvent e) =>
        e is SourceSynced or ObjectRejected ? null : ToJournal(e)?.Key;

    private static JournalEvent DeleteEndpoint(PolicyEndpointDeleted x) =>
        JournalModelMapper.Delete(JournalObjectKind.PolicyEndpoint, x.Endpoint.Namespace, x.Endpoint.Name);

    private static T Payload<T>(JournalEvent e, T? payload)
        where T : class =>
        payload ?? throw new ArgumentException($"journal event {e} has no payload", nameof(e));
}
