using System.Globalization;
using System.Text;
using Npa.Enforcer.Maps;
using Npa.Enforcer.Native;
using Npa.Enforcer.PinnedState;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Enforcer.Rules;

/// <summary>
/// Rule ids carried by verdict events, persisted in the pinned map npa_rule_names_v1 (id to the
/// serialised <see cref="RuleRef"/>), so ids stay the same across restarts and any process that opens
/// the pins can name the rule behind a flow.
/// <para>
/// Ids no programmed state uses any more are garbage-collected by a two-phase mark and sweep
/// (<see cref="Sweep"/>): an id found unreferenced is marked, and removed only when it is still
/// unreferenced at the next sweep, so late events of the sweep period can still be named. Ids only
/// grow and are never handed out twice, not even across a restart: before removing anything the
/// registry stores its high-water mark in the same map under the reserved key
/// <see cref="HighWaterKey"/>, and opening the map continues above it.
/// </para>
/// <para>
/// The enforcer's registry owns the map (allocates and sweeps); <see cref="OpenPinned"/> gives a
/// read-only view for another process. All members are thread-safe.
/// </para>
/// </summary>
public sealed class RuleIdRegistry : IRuleNameLookup, IDisposable
{
    /// <summary>max_entries of npa_rule_names_v1 (NPA_RULE_MAX_ENTRIES in bpf/include/npa_maps.h).</summary>
    public const int DefaultMapEntries = 65536;

    /// <summary>Reserved key of the entry holding the high-water mark (text <c>next-rule-id=N</c>); never a rule id.</summary>
    public const uint HighWaterKey = uint.MaxValue;

    /// <summary>The largest id ever handed out.</summary>
    public const uint MaxRuleId = uint.MaxValue - 1;

    private const string HighWaterPrefix = "next-rule-id=";
    private const char Sep = '\u001f';
    private readonly object _gate = new();
    private readonly Dictionary<string, uint> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, Named> _rules = new();
    private readonly HashSet<uint> _unnamed = new();
    private readonly HashSet<uint> _handedOut = new();
    private readonly BpfMap<uint, NpaRuleName>? _map;
    private readonly bool _owner;
    private HashSet<uint> _unreferenced = new();
    private uint _next = 1;
    private uint _persistedNext;
    private bool _highWaterStored;
    private int _onDemandSweepAt;
    private long _removedTotal;
    private Func<IReadOnlyCollection<uint>?>? _references;
    private Action<RuleIdSweep>? _onDemandSwept;

    /// <param name="map">The pinned map, or null for an in-memory registry.</param>
    /// <param name="owner">True for the one process that allocates and sweeps (the agent's enforcer).</param>
    /// <param name="mapEntries">max_entries of the map; one entry is kept for the high-water mark.</param>
    internal RuleIdRegistry(BpfMap<uint, NpaRuleName>? map, bool owner = true, int mapEntries = DefaultMapEntries)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mapEntries, 2);
        _map = map;
        _owner = owner;
        Capacity = mapEntries - 1;
        _onDemandSweepAt = SweepThreshold;
        if (map is null)
        {
            return;
        }

        foreach (KeyValuePair<uint, NpaRuleName> entry in map.EntriesBatched(1024))
        {
            string text = Text(entry.Value);
            if (entry.Key == HighWaterKey)
            {
                _highWaterStored = true;
                if (TryParseHighWater(text, out uint mark))
                {
                    _persistedNext = mark;
                    _next = Math.Max(_next, mark);
                }

                continue;
            }

            if (entry.Key != 0 && TryDecode(text, out RuleRef? rule))
            {
                string key = Encode(rule!);
                _ids[key] = entry.Key;
                _rules[entry.Key] = new Named(rule!, key);
            }
            else
            {
                // Not ours to name (id 0, or a text this version cannot read): it still takes a slot, and is swept like any unused id.
                _unnamed.Add(entry.Key);
            }

            _next = Math.Max(_next, entry.Key + 1);
        }
    }

    /// <summary>
    /// A read-only view of the registry pinned under an enforcer root, for another process (a flow-log
    /// reader) that names rules; ids added later by the agent are read on demand.
    /// </summary>
    public static RuleIdRegistry OpenPinned(string root = "/sys/fs/bpf/npa")
    {
        BpfMap<uint, NpaRuleName> map = new(PinnedObjects.Get(Path.Combine(root, "maps", MapNames.RuleNames)), MapNames.RuleNames);
        try
        {
            return new RuleIdRegistry(map, owner: false, mapEntries: (int)map.MaxEntries());
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>An in-memory registry (offline tools and tests) that behaves like a map of <paramref name="mapEntries"/> entries.</summary>
    public static RuleIdRegistry InMemory(int mapEntries = DefaultMapEntries) => new(null, owner: true, mapEntries: mapEntries);

    /// <summary>Ids the registry can hold at once.</summary>
    public int Capacity { get; }

    /// <summary>Ids held now (referenced ones and unreferenced ones waiting for the next sweep).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return Occupied;
            }
        }
    }

    /// <summary>The next id to be handed out: every id below it has been handed out once and is never handed out again.</summary>
    public uint NextId
    {
        get
        {
            lock (_gate)
            {
                return _next;
            }
        }
    }

    /// <summary>Ids removed by sweeps since this registry was opened.</summary>
    public long RemovedTotal
    {
        get
        {
            lock (_gate)
            {
                return _removedTotal;
            }
        }
    }

    private int Occupied => _rules.Count + _unnamed.Count;

    /// <summary>Above this many ids, allocating a new id sweeps first (90% of the capacity).</summary>
    private int SweepThreshold => Capacity - (Capacity / 10);

    /// <summary>After an on-demand sweep, the next one waits until this many more ids are held (or the map is full).</summary>
    private int OnDemandStep => Math.Max(1, Capacity / 20);

    /// <summary>
    /// Tells the registry where to learn which ids are in use, so that <see cref="GetOrAdd"/> can sweep on
    /// its own when the registry nears its capacity. <paramref name="referenced"/> is called under the
    /// registry's lock and must not block on a lock held around calls to <see cref="GetOrAdd"/>; it returns
    /// null when it cannot tell right now (then no sweep runs). <paramref name="onDemandSwept"/> hears of
    /// every such sweep (for logging).
    /// </summary>
    public void AttachReferences(Func<IReadOnlyCollection<uint>?> referenced, Action<RuleIdSweep>? onDemandSwept = null)
    {
        ArgumentNullException.ThrowIfNull(referenced);
        lock (_gate)
        {
            _references = referenced;
            _onDemandSwept = onDemandSwept;
        }
    }

    /// <summary>
    /// The id of <paramref name="rule"/>, allocating (and persisting) a new one when the rule has none.
    /// Near capacity, a sweep runs first; when the registry is still full, throws a
    /// <see cref="BpfException"/> naming the map, its capacity and the ids in use.
    /// </summary>
    public uint GetOrAdd(RuleRef rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        string text = Encode(rule);
        lock (_gate)
        {
            if (_ids.TryGetValue(text, out uint id))
            {
                _handedOut.Add(id);
                return id;
            }

            if (!_owner)
            {
                throw new InvalidOperationException($"the rule id registry opened from the pins of {MapNames.RuleNames} is read-only; only the agent's enforcer adds rule ids");
            }

            if (Occupied >= _onDemandSweepAt || Occupied >= Capacity)
            {
                SweepOnDemand();
            }

            if (Occupied >= Capacity)
            {
                int unreferenced = _unreferenced.Count(i => _rules.ContainsKey(i) || _unnamed.Contains(i));
                throw new BpfException(
                    $"map {MapNames.RuleNames} is full: it holds {Capacity} rule ids (max_entries {Capacity + 1}, one entry keeps the high-water mark) " +
                    $"and {Occupied - unreferenced} of them are live ({unreferenced} unreferenced ones go at the next sweep); " +
                    $"cannot add an id for {rule}");
            }

            if (_next > MaxRuleId)
            {
                throw new BpfException($"rule ids of map {MapNames.RuleNames} are exhausted: every id up to {MaxRuleId} has been handed out once");
            }

            id = _next;
            _map?.Update(id, Native(text));
            _next = id + 1;
            _ids[text] = id;
            _rules[id] = new Named(TryDecode(text, out RuleRef? stored) ? stored! : rule, text);
            _handedOut.Add(id);
            return id;
        }
    }

    public bool TryGetRule(uint ruleId, out RuleRef rule)
    {
        rule = null!;
        if (ruleId is 0 or HighWaterKey)
        {
            return false;
        }

        lock (_gate)
        {
            if (_rules.TryGetValue(ruleId, out Named named))
            {
                rule = named.Rule;
                return true;
            }

            // A reader: the agent may have added the id since this view was read. Ids are never reused,
            // so what is cached stays right; the cache is dropped when it outgrows the map.
            if (!_owner && _map is not null && _map.TryLookup(ruleId, out NpaRuleName stored) && TryDecode(Text(stored), out RuleRef? added))
            {
                if (_rules.Count >= Capacity)
                {
                    _rules.Clear();
                    _ids.Clear();
                }

                string key = Encode(added!);
                _rules[ruleId] = new Named(added!, key);
                _ids[key] = ruleId;
                rule = added!;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Mark and sweep: removes the ids that were unreferenced at the previous sweep and are still not in
    /// <paramref name="referenced"/>, then marks every other id not in it. Ids handed out by
    /// <see cref="GetOrAdd"/> since the previous sweep count as referenced (a policy being applied).
    /// </summary>
    public RuleIdSweep Sweep(IEnumerable<uint> referenced)
    {
        ArgumentNullException.ThrowIfNull(referenced);
        if (!_owner)
        {
            throw new InvalidOperationException($"the rule id registry opened from the pins of {MapNames.RuleNames} is read-only; only the agent's enforcer sweeps it");
        }

        lock (_gate)
        {
            return SweepLocked(referenced, onDemand: false);
        }
    }

    private void SweepOnDemand()
    {
        IReadOnlyCollection<uint>? referenced = _references?.Invoke();
        if (referenced is null)
        {
            return;
        }

        RuleIdSweep sweep = SweepLocked(referenced, onDemand: true);
        _onDemandSwept?.Invoke(sweep);
    }

    private RuleIdSweep SweepLocked(IEnumerable<uint> referenced, bool onDemand)
    {
        HashSet<uint> live = new(referenced);
        live.UnionWith(_handedOut);
        List<uint> remove = _unreferenced.Where(id => !live.Contains(id) && (_rules.ContainsKey(id) || _unnamed.Contains(id))).ToList();
        int removed = 0;
        if (remove.Count > 0 && _map is not null && !_highWaterStored && Occupied > Capacity)
        {
            // Pins filled to the last entry by a build that kept none free for the mark. Nothing was ever
            // deleted from them (deletes follow a stored mark), so the largest id held keeps a reopen above
            // every id handed out: any other id can go first and make room for the mark.
            uint largest = _rules.Keys.Concat(_unnamed).Max();
            int room = remove.FindIndex(id => id != largest);
            if (room < 0)
            {
                remove.Clear();
            }
            else
            {
                RemoveLocked(remove[room]);
                remove.RemoveAt(room);
                removed++;
            }
        }

        if (remove.Count > 0)
        {
            PersistHighWater();
        }

        foreach (uint id in remove)
        {
            RemoveLocked(id);
            removed++;
        }

        HashSet<uint> marked = new();
        foreach (uint id in _rules.Keys.Concat(_unnamed))
        {
            if (!live.Contains(id))
            {
                marked.Add(id);
            }
        }

        _unreferenced = marked;
        _handedOut.Clear();
        _removedTotal += removed;
        _onDemandSweepAt = Math.Max(SweepThreshold, Occupied + OnDemandStep);
        return new RuleIdSweep(removed, marked.Count, Occupied, Capacity, _next, onDemand);
    }

    private void RemoveLocked(uint id)
    {
        _map?.Delete(id);
        if (_rules.Remove(id, out Named named) && _ids.TryGetValue(named.Key, out uint current) && current == id)
        {
            _ids.Remove(named.Key);
        }

        _unnamed.Remove(id);
    }

    /// <summary>Stores the next id under the reserved key, so a restart never hands out an id removed before it.</summary>
    private void PersistHighWater()
    {
        if (_map is null || _persistedNext == _next)
        {
            return;
        }

        _map.Update(HighWaterKey, Native(HighWaterPrefix + _next.ToString(CultureInfo.InvariantCulture)));
        _persistedNext = _next;
        _highWaterStored = true;
    }

    private static bool TryParseHighWater(string text, out uint mark)
    {
        mark = 0;
        return text.StartsWith(HighWaterPrefix, StringComparison.Ordinal) &&
               uint.TryParse(text.AsSpan(HighWaterPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out mark);
    }

    /// <summary>Serialised form, at most 255 UTF-8 bytes (a long peer text is cut).</summary>
    internal static string Encode(RuleRef rule)
    {
        string head = string.Join(Sep, rule.PolicyNamespace, rule.PolicyName, ((byte)rule.Direction).ToString(CultureInfo.InvariantCulture),
            rule.RuleIndex.ToString(CultureInfo.InvariantCulture), string.Empty);
        string peer = rule.Peer;
        while (Encoding.UTF8.GetByteCount(head) + Encoding.UTF8.GetByteCount(peer) > NpaRuleName.TextBytes - 1 && peer.Length > 0)
        {
            peer = peer[..^1];
        }

        return head + peer;
    }

    internal static bool TryDecode(string text, out RuleRef? rule)
    {
        rule = null;
        string[] parts = text.Split(Sep);
        if (parts.Length != 5 || !byte.TryParse(parts[2], CultureInfo.InvariantCulture, out byte dir) ||
            !int.TryParse(parts[3], CultureInfo.InvariantCulture, out int index))
        {
            return false;
        }

        rule = new RuleRef(parts[0], parts[1], (Direction)dir, index, parts[4]);
        return true;
    }

    private static unsafe NpaRuleName Native(string text)
    {
        NpaRuleName value = default;
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        for (int i = 0; i < bytes.Length && i < NpaRuleName.TextBytes - 1; i++)
        {
            value.Text[i] = bytes[i];
        }

        return value;
    }

    private static unsafe string Text(NpaRuleName value)
    {
        ReadOnlySpan<byte> span = new(value.Text, NpaRuleName.TextBytes);
        int end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    public void Dispose() => _map?.Dispose();

    /// <summary>A rule and the serialised key it is found under.</summary>
    private readonly record struct Named(RuleRef Rule, string Key);
}
