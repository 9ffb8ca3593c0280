using Npa.Resolver.Model;

namespace Npa.Resolver.MapState;

/// <summary>
/// Compiles a pod's allow rules into LPM peer entries and port entries.
/// <para>
/// An LPM lookup returns only the longest matching prefix, so every prefix that appears in some rule
/// (a CIDR or an except) becomes a candidate entry carrying the rules that hold for all of its
/// addresses: the rules whose CIDR covers it and none of whose excepts cover it. An address whose
/// longest candidate is P is allowed by exactly those rules, because any CIDR or except containing
/// the address either contains P or is a longer candidate. Entries equal to their nearest enclosing
/// candidate are left out; an except hole that no other rule covers becomes an entry with set id 0.
/// </para>
/// <para>
/// Equal rule sets share one set id, derived from the set's content (so a set id always means the
/// same ports, and adding a new set before pointing prefixes at it never changes a verdict in between).
/// </para>
/// </summary>
public static class LpmCompiler
{
    /// <param name="ruleIds">Gives the non-zero id of a rule (flow events carry it).</param>
    public static LpmPodState Compile(PodPolicy policy, Func<RuleRef, uint> ruleIds)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(ruleIds);
        SortedDictionary<LpmPeerKey, uint> peers = new();
        SortedDictionary<LpmPortKey, uint> ports = new();
        foreach (Direction direction in new[] { Direction.Ingress, Direction.Egress })
        {
            DirectionPolicy dp = policy[direction];
            if (dp.Isolated)
            {
                CompileDirection(direction, dp.Rules, ruleIds, peers, ports);
            }
        }

        return new LpmPodState(policy.Ingress.Isolated, policy.Egress.Isolated, peers, ports);
    }

    private readonly record struct SetItem(byte Protocol, int FirstPort, int LastPort, uint RuleId) : IComparable<SetItem>
    {
        public int CompareTo(SetItem other)
        {
            int c = Protocol.CompareTo(other.Protocol);
            if (c == 0) c = FirstPort.CompareTo(other.FirstPort);
            if (c == 0) c = LastPort.CompareTo(other.LastPort);
            if (c == 0) c = RuleId.CompareTo(other.RuleId);
            return c;
        }
    }

    private sealed class Candidate(IpPrefix prefix)
    {
        public IpPrefix Prefix { get; } = prefix;

        public List<int> Starts { get; } = new();

        public List<int> Excepts { get; } = new();
    }

    private sealed record Frame(IpPrefix Prefix, HashSet<int> Started, HashSet<int> Excepted, SetItem[] Items);

    private static void CompileDirection(
        Direction direction,
        IReadOnlyList<AllowRule> rules,
        Func<RuleRef, uint> ruleIds,
        SortedDictionary<LpmPeerKey, uint> peers,
        SortedDictionary<LpmPortKey, uint> ports)
    {
        SetItem[] items = new SetItem[rules.Count];
        Dictionary<IpPrefix, Candidate> candidates = new();
        for (int i = 0; i < rules.Count; i++)
        {
            AllowRule rule = rules[i];
            uint id = ruleIds(rule.Source);
            if (id == 0)
            {
                throw new ArgumentException($"rule id 0 given for {rule.Source}; 0 means 'no rule'", nameof(ruleIds));
            }

            L4Match m = rule.Ports;
            items[i] = m.Protocol is null
                ? new SetItem(0, 0, 65535, id)
                : new SetItem((byte)m.Protocol.Value, m.FirstPort, m.LastPort, id);
            Get(candidates, rule.Cidr).Starts.Add(i);
            foreach (IpPrefix except in rule.Except)
            {
                if (except.IsIPv6 == rule.Cidr.IsIPv6)
                {
                    Get(candidates, except).Excepts.Add(i);
                }
            }
        }

        List<Candidate> ordered = candidates.Values.ToList();
        ordered.Sort((a, b) => LpmPrefixOrder.Compare(a.Prefix, b.Prefix));

        Dictionary<string, (uint Id, SetItem[] Items)> sets = new(StringComparer.Ordinal);
        HashSet<uint> usedIds = new();
        Stack<Frame> stack = new();
        Frame? Top() => stack.Count > 0 ? stack.Peek() : null;
        foreach (Candidate c in ordered)
        {
            while (stack.Count > 0 && !stack.Peek().Prefix.Contains(c.Prefix))
            {
                stack.Pop();
            }

            Frame? parent = Top();
            HashSet<int> started = parent is null ? new() : new(parent.Started);
            HashSet<int> excepted = parent is null ? new() : new(parent.Excepted);
            started.UnionWith(c.Starts);
            excepted.UnionWith(c.Excepts);
            SetItem[] here = started.Where(r => !excepted.Contains(r)).Select(r => items[r]).Distinct().Order().ToArray();
            SetItem[] inherited = parent?.Items ?? Array.Empty<SetItem>();
            if (!here.AsSpan().SequenceEqual(inherited))
            {
                uint setId = here.Length == 0 ? 0 : SetIdFor(here, sets, usedIds);
                peers[new LpmPeerKey(direction, c.Prefix)] = setId;
            }

            stack.Push(new Frame(c.Prefix, started, excepted, here));
        }

        foreach ((uint setId, SetItem[] setItems) in sets.Values)
        {
            foreach (SetItem item in setItems)
            {
                if (item.Protocol == 0)
                {
                    AddPort(ports, new LpmPortKey(direction, setId, 0, 0, 0), item.RuleId);
                    continue;
                }

                foreach ((ushort port, byte bits) in LpmPortBlocks.Cover(item.FirstPort, item.LastPort))
                {
                    AddPort(ports, new LpmPortKey(direction, setId, item.Protocol, port, bits), item.RuleId);
                }
            }
        }
    }

    private static void AddPort(SortedDictionary<LpmPortKey, uint> ports, LpmPortKey key, uint ruleId)
    {
        // Two rules may allow the same block: keep the smaller id, so output does not depend on order.
        if (!ports.TryGetValue(key, out uint existing) || ruleId < existing)
        {
            ports[key] = ruleId;
        }
    }

    private static uint SetIdFor(SetItem[] set, Dictionary<string, (uint Id, SetItem[] Items)> sets, HashSet<uint> usedIds)
    {
        string text = string.Join(';', set.Select(i => $"{i.Protocol}:{i.FirstPort}-{i.LastPort}:{i.RuleId}"));
        if (sets.TryGetValue(text, out (uint Id, SetItem[] Items) known))
        {
            return known.Id;
        }

        uint hash = 2166136261;
        foreach (char ch in text)
        {
            hash = (hash ^ ch) * 16777619;
        }

        uint id = hash == 0 ? 1 : hash;
        while (!usedIds.Add(id))
        {
            id = id == uint.MaxValue ? 1 : id + 1;
        }

        sets[text] = (id, set);
        return id;
    }

    private static Candidate Get(Dictionary<IpPrefix, Candidate> candidates, IpPrefix prefix)
    {
        if (!candidates.TryGetValue(prefix, out Candidate? c))
        {
            c = new Candidate(prefix);
            candidates[prefix] = c;
        }

        return c;
    }
}
