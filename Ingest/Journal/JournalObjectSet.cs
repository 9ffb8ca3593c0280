using Npa.Resolver.Model;

namespace Npa.Ingest.Journal;

/// <summary>
/// The live objects the journal's events add up to: the fold of every event so far. An upsert
/// replaces the object under its key, a delete removes it, a sync marker changes nothing.
/// Not thread-safe; one writer owns it.
/// </summary>
public sealed class JournalObjectSet
{
    private readonly SortedDictionary<JournalObjectKey, JournalEvent> _objects = new();

    public int Count => _objects.Count;

    /// <summary>One upsert event per live object, in key order (the snapshot form).</summary>
    public IReadOnlyList<JournalEvent> Objects => _objects.Values.ToList();

    public IEnumerable<JournalObjectKey> Keys => _objects.Keys;

    public static JournalObjectSet From(JournalSnapshot? snapshot)
    {
        JournalObjectSet set = new();
        foreach (JournalEvent e in snapshot?.Objects ?? [])
        {
            set.Apply(e);
        }

        return set;
    }

    public bool Contains(JournalObjectKey key) => _objects.ContainsKey(key);

    public void Apply(JournalEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e.Operation)
        {
            case JournalOperation.Upsert:
                _objects[e.Key] = e;
                break;
            case JournalOperation.Delete:
                _objects.Remove(e.Key);
                break;
            case JournalOperation.SourceSynced:
                break;
            default:
                throw new ArgumentException($"journal event {e} has no operation", nameof(e));
        }
    }

    public JournalSnapshot ToSnapshot(ulong sequence, long unixTimeMilliseconds) =>
        new() { Sequence = sequence, UnixTimeMilliseconds = unixTimeMilliseconds, Objects = _objects.Values.ToList() };

    public IEnumerable<NamespaceInfo> Namespaces =>
        _objects.Values.Where(e => e.NamespaceObject is not null).Select(e => JournalModelMapper.ToModel(e.NamespaceObject!));

    public IEnumerable<PodInfo> Pods =>
        _objects.Values.Where(e => e.Pod is not null).Select(e => JournalModelMapper.ToModel(e.Pod!));

    public IEnumerable<NetworkPolicySpec> Policies =>
        _objects.Values.Where(e => e.Policy is not null).Select(e => JournalModelMapper.ToModel(e.Policy!));

    public IEnumerable<ServiceInfo> Services =>
        _objects.Values.Where(e => e.Service is not null).Select(e => JournalModelMapper.ToModel(e.Service!));

    public IEnumerable<PolicyEndpointSpec> PolicyEndpoints =>
        _objects.Values.Where(e => e.PolicyEndpoint is not null).Select(e => JournalModelMapper.ToModel(e.PolicyEndpoint!));
}
