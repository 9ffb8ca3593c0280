using System.Globalization;
using System.Text;
using Npa.Enforcer.Maps;
using Npa.Enforcer.Native;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Enforcer.Rules;

/// <summary>
/// Rule ids carried by verdict events, persisted in the pinned map npa_rule_names_v1 (id to the
/// serialised <see cref="RuleRef"/>), so ids stay the same across restarts and any process that opens
/// the pins can name the rule behind a flow. Ids are never reused while pinned.
/// </summary>
public sealed class RuleIdRegistry : IRuleNameLookup, IDisposable
{
    private const char Sep = '\u001f';
    private readonly object _gate = new();
    private readonly Dictionary<string, uint> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, RuleRef> _rules = new();
    private readonly BpfMap<uint, NpaRuleName>? _map;
    private uint _next = 1;

    internal RuleIdRegistry(BpfMap<uint, NpaRuleName>? map)
    {
        _map = map;
        if (map is null)
        {
            return;
        }

        foreach (KeyValuePair<uint, NpaRuleName> entry in map.Entries())
        {
            if (TryDecode(Text(entry.Value), out RuleRef? rule))
            {
                _ids[Encode(rule!)] = entry.Key;
                _rules[entry.Key] = rule!;
                _next = Math.Max(_next, entry.Key + 1);
            }
        }
    }

    /// <summary>
    /// The registry pinned under an enforcer root, for another process (a flow-log reader) that names
    /// rules; ids added later by the agent are read on demand when an id is not known yet.
    /// </summary>
    public static RuleIdRegistry OpenPinned(string root = "/sys/fs/bpf/npa") =>
        new(new BpfMap<uint, NpaRuleName>(PinnedState.PinnedObjects.Get(Path.Combine(root, "maps", PinnedState.MapNames.RuleNames)), PinnedState.MapNames.RuleNames));

    /// <summary>An in-memory registry (offline tools and tests).</summary>
    public static RuleIdRegistry InMemory() => new(null);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _rules.Count;
            }
        }
    }

    public uint GetOrAdd(RuleRef rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        string text = Encode(rule);
        lock (_gate)
        {
            if (_ids.TryGetValue(text, out uint id))
            {
                return id;
            }

            id = _next++;
            if (_map is not null)
            {
                _map.Update(id, Native(text));
            }

            _ids[text] = id;
            TryDecode(text, out RuleRef? stored);
            _rules[id] = stored!;
            return id;
        }
    }

    public bool TryGetRule(uint ruleId, out RuleRef rule)
    {
        lock (_gate)
        {
            if (_rules.TryGetValue(ruleId, out RuleRef? r))
            {
                rule = r;
                return true;
            }

            // Another process (the agent) may have added it since this registry was read.
            if (ruleId != 0 && _map is not null && _map.TryLookup(ruleId, out NpaRuleName stored) && TryDecode(Text(stored), out RuleRef? added))
            {
                _rules[ruleId] = added!;
                _ids[Encode(added!)] = ruleId;
                rule = added!;
                return true;
            }
        }

        rule = null!;
        return false;
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
}
