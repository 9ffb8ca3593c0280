using Npa.Resolver.Model;

namespace Npa.Ingest.Journal;

/// <summary>
/// The live objects the journal's events add up to: the fold of every event so far. An upsert
/// replaces the object under its key, a delete removes it, a sync marker changes nothing.
/// Not thread-safe; one writer owns it.
/// </summary>
public sealed class JournalObjectSet
{
    private readonly SortedDictionary<JournalObjectKey, JournalEvent> objects = new();

    public int Count => objects.Count;

    /// <summary>One upsert event per live object, in key order (the snapshot form).</summary>
    public IReadOnlyList<JournalEvent> Objects => objects.Values.ToList();

    public IEnumerable<JournalObjectKey> Keys => objects.Keys;

    public static JournalObjectSet From(JournalSnapshot? snapshot)
    {
        JournalObjectSet set = new();
        foreach (JournalEvent e in snapshot?.Objects ?? [])
        {
            set.Apply(e);
        }

        return set;
    }

    public bool Contains(JournalObjectKey key) => objects.ContainsKey(key);

    public void Apply(JournalEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e.Operation)
        {
            case JournalOperation.Upsert:
                objects[e.Key] = e;
                break;
            case JournalOperation.Delete:
                objects.Remove(e.Key);
                break;
            case JournalOperation.SourceSynced:
                break;
            default:
                throw new ArgumentException($"journal event {e} has no operation", nameof(e));
        }
    }

    public JournalSnapshot ToSnapshot(ulong sequence, long unixTimeMilliseconds) =>
        new() { Sequence = sequence, UnixTimeMilliseconds = unixTimeMilliseconds, Objects = objects.Values.ToList() };

    public IEnumerable<NamespaceInfo> Namespaces =>
        objects.Values.Where(e => e.NamespaceObject is not null).Select(e => JournalModelMapper.ToModel(e.NamespaceObject!));

    public IEnumerable<PodInfo> Pods =>
        objects.Values.Where(e => e.Pod is not null).Select(e => JournalModelMapper.ToModel(e.Pod!));

    public IEnumerable<NetworkPolicySpec> Policies =>
        objects.Values.Where(e => e.Policy is not null).Select(e => JournalModelMapper.ToModel(e.Policy!));

    public IEnumerable<ServiceInfo> Services =>
        objects.Values.Where(e => e.Service is not null).Select(e => JournalModelMapper.ToModel(e.Service!));

    public IEnumerable<PolicyEndpointSpec> PolicyEndpoints =>
        objects.Values.Where(e => e.PolicyEndpoint is not null).Select(e => JournalModelMapper.ToModel(e.PolicyEndpoint!));
}
