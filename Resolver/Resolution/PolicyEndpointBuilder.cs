using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Resolver.Resolution;

/// <summary>
/// Builds the PolicyEndpoint objects the controller publishes for one NetworkPolicy: generateName
/// <c>&lt;policy&gt;-</c> in the policy's namespace, policyRef, the podSelector copied, podIsolation from
/// policyTypes, the selected pods' addresses, and the resolved ingress and egress peers (pod peers as bare
/// IPs, ipBlocks as CIDRs with their holes, named ports resolved to numbers, Service cluster IPs for egress),
/// one entry per address and hole set with its ports merged, in address order, split into objects of at
/// most <c>chunkSize</c> entries per list.
/// </summary>
/// <remarks>
/// The format has one port list per peer for all selected pods, so an ingress named port is resolved
/// against every selected pod and the numbers are merged (the node agent of npa programs each pod from its
/// own <see cref="PodPolicy"/> and keeps the per-pod meaning).
/// </remarks>
public static class PolicyEndpointBuilder
{
    public const int DefaultChunkSize = 200;

    /// <summary>PolicyEndpoints for every policy, ordered by policy namespace/name.</summary>
    public static IReadOnlyList<PolicyEndpointSpec> BuildAll(ResolverState state, int chunkSize = DefaultChunkSize)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Index.Policies.SelectMany(p => Build(state, p.Ref, chunkSize)).ToArray();
    }

    public static IReadOnlyList<PolicyEndpointSpec> Build(ResolverState state, ObjectRef policyRef, int chunkSize = DefaultChunkSize)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        PolicyEndpointSpec? whole = BuildWhole(state, policyRef);
        if (whole is null)
        {
            return [];
        }

        int chunks = PolicyEndpointChunks.MinimumChunks(whole, chunkSize);
        List<PolicyEndpointSpec> result = [];
        for (int i = 0; i < chunks; i++)
        {
            result.Add(whole with
            {
                PodSelectorEndpoints = Chunk(whole.PodSelectorEndpoints, i, chunkSize),
                Ingress = Chunk(whole.Ingress, i, chunkSize),
                Egress = Chunk(whole.Egress, i, chunkSize),
            });
        }

        return result;
    }

    /// <summary>
    /// The policy's PolicyEndpoint as one object, before chunking (the controller chunks it against what
    /// exists with <see cref="PolicyEndpointChunks.Plan"/>), or null when the policy is not known.
    /// </summary>
    public static PolicyEndpointSpec? BuildWhole(ResolverState state, ObjectRef policyRef)
    {
        ArgumentNullException.ThrowIfNull(state);
        PolicyResolution? resolution = state.ResolutionOf(policyRef);
        if (resolution is null)
        {
            return null;
        }

        NetworkPolicySpec policy = resolution.Policy;
        PodInfo[] targets = state.Index.TargetsOf(policy).ToArray();
        PodEndpoint[] podEndpoints = targets
            .SelectMany(p => p.Ips.Select(ip => new PodEndpoint(p.HostIp ?? "", ip.ToString(), p.Name, p.Namespace)))
            .ToArray();
        (EndpointInfo[] ingressInfos, EndpointInfo[] egressInfos) = Peers(resolution, targets);

        List<Direction> isolation = [];
        if ((policy.PolicyTypes & PolicyTypes.Ingress) != 0)
        {
            isolation.Add(Direction.Ingress);
        }

        if ((policy.PolicyTypes & PolicyTypes.Egress) != 0)
        {
            isolation.Add(Direction.Egress);
        }

        return new PolicyEndpointSpec(
            policy.Namespace,
            "",
            policy.Name + "-",
            new PolicyReference(policy.Name, policy.Namespace),
            policy.PodSelector,
            isolation,
            podEndpoints,
            ingressInfos,
            egressInfos)
        {
            OwnerUid = policy.Uid,
        };
    }

    /// <summary>The nodes (<c>spec.nodeName</c>) of the pods the policy selects, ordered; empty when it is not known.</summary>
    public static IReadOnlyList<string> NodesOf(ResolverState state, ObjectRef policyRef)
    {
        ArgumentNullException.ThrowIfNull(state);
        NetworkPolicySpec? policy = state.Index.GetPolicy(policyRef);
        return policy is null
            ? []
            : [.. state.Index.TargetsOf(policy).Select(p => p.NodeName).OfType<string>().Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The ingress and egress entries of a resolution. They depend on the selected pods only through the
    /// numbers ingress named ports resolve to on them, so they are computed once per resolution (the
    /// resolver replaces a resolution object only when its rules change) and those numbers, and reused
    /// while only the selected pods change.
    /// </summary>
    private static (EndpointInfo[] Ingress, EndpointInfo[] Egress) Peers(PolicyResolution resolution, PodInfo[] targets)
    {
        List<int[]> namedNumbers = [];
        foreach (ResolvedRule rule in resolution.Ingress)
        {
            if (rule.NamedPortPeers.Count == 0)
            {
                continue;
            }

            foreach (PolicyPort port in rule.NamedPorts)
            {
                namedNumbers.Add([.. targets.SelectMany(t => NamedPortResolver.Resolve(t, port.NamedPort!, port.Protocol)).Distinct().Order()]);
            }
        }

        string key = string.Join(";", namedNumbers.Select(n => string.Join(",", n)));
        if (PeerCache.TryGetValue(resolution, out PeerEntries? cached) && cached.NamedPortNumbers == key)
        {
            return (cached.Ingress, cached.Egress);
        }

        List<AllowRule> ingress = [];
        int named = 0;
        foreach (ResolvedRule rule in resolution.Ingress)
        {
            ingress.AddRange(rule.Shared);
            if (rule.NamedPortPeers.Count == 0)
            {
                continue;
            }

            foreach (PolicyPort port in rule.NamedPorts)
            {
                int[] numbers = namedNumbers[named++];
                foreach (PeerBlock block in rule.NamedPortPeers)
                {
                    foreach (int number in numbers)
                    {
                        ingress.Add(new AllowRule(block.Cidr, block.Except, L4Match.Single(port.Protocol, number), block.Source));
                    }
                }
            }
        }

        List<AllowRule> egress = resolution.Egress.SelectMany(r => r.Shared).ToList();
        PeerEntries entries = new(key, Merge(ingress), Merge(egress));
        PeerCache.AddOrUpdate(resolution, entries);
        return (entries.Ingress, entries.Egress);
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<PolicyResolution, PeerEntries> PeerCache = new();

    /// <summary>The entries of a resolution, for the named port numbers (as text) they were built with.</summary>
    private sealed record PeerEntries(string NamedPortNumbers, EndpointInfo[] Ingress, EndpointInfo[] Egress);

    private static T[] Chunk<T>(IReadOnlyList<T> items, int index, int size) => items.Skip(index * size).Take(size).ToArray();

    /// <summary>One EndpointInfo per (address, holes): ports merged, "every port" absorbing the rest; ordered by address.</summary>
    private static EndpointInfo[] Merge(List<AllowRule> rules)
    {
        Dictionary<(IpPrefix Cidr, string Except), (IReadOnlyList<IpPrefix> Except, SortedSet<EndpointPort>? Ports)> merged = new();
        foreach (AllowRule rule in rules)
        {
            (IpPrefix, string) key = (rule.Cidr, string.Join(",", rule.Except));
            merged.TryGetValue(key, out (IReadOnlyList<IpPrefix> Except, SortedSet<EndpointPort>? Ports) entry);
            if (entry.Except is null)
            {
                entry = (rule.Except, new SortedSet<EndpointPort>(PortOrder.Instance));
            }

            if (rule.Ports.Protocol is null)
            {
                entry.Ports = null;
            }
            else
            {
                entry.Ports?.Add(ToEndpointPort(rule.Ports));
            }

            merged[key] = entry;
        }

        return merged
            .OrderBy(kv => kv.Key.Cidr.IsIPv6)
            .ThenBy(kv => kv.Key.Cidr.Address.GetAddressBytes(), ByteOrder.Instance)
            .ThenBy(kv => kv.Key.Cidr.Length)
            .ThenBy(kv => kv.Key.Except, StringComparer.Ordinal)
            .Select(kv => new EndpointInfo(
                Text(kv.Key.Cidr),
                kv.Value.Except.Select(e => e.ToString()).ToArray(),
                kv.Value.Ports?.ToArray() ?? []))
            .ToArray();
    }

    private static string Text(IpPrefix prefix) => prefix.Length == prefix.MaxLength ? prefix.Address.ToString() : prefix.ToString();

    private static EndpointPort ToEndpointPort(L4Match m) =>
        m.FirstPort == 0 && m.LastPort == 65535 ? new EndpointPort(m.Protocol!.Value, null, null)
        : new EndpointPort(m.Protocol!.Value, m.FirstPort, m.LastPort == m.FirstPort ? null : m.LastPort);

    private sealed class PortOrder : IComparer<EndpointPort>
    {
        public static PortOrder Instance { get; } = new();

        public int Compare(EndpointPort? x, EndpointPort? y)
        {
            int c = x!.Protocol.CompareTo(y!.Protocol);
            if (c == 0)
            {
                c = (x.Port ?? -1).CompareTo(y.Port ?? -1);
            }

            return c != 0 ? c : (x.EndPort ?? -1).CompareTo(y.EndPort ?? -1);
        }
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static ByteOrder Instance { get; } = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
