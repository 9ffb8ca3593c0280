using Npa.Resolver.Model;

namespace Npa.Resolver.Selection;

/// <summary>
/// The distinct pod-selecting peers in use by policies (in the directions their policyTypes enforce),
/// with the policies using each, so a pod change checks each distinct peer once: peers with only a
/// podSelector are filed under the policy's namespace, peers with a namespaceSelector apply cluster-wide.
/// Policies whose egress rules depend on pod addresses (ipBlock peers, or every peer with named ports)
/// are kept apart.
/// </summary>
public sealed class PeerIndex
{
    private readonly Dictionary<string, Dictionary<string, PeerUse>> _local = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PeerUse> _crossNamespace = new(StringComparer.Ordinal);
    private readonly SortedSet<ObjectRef> _addressPolicies = [];

    /// <summary>Policies whose egress rules resolve against pod addresses rather than selectors.</summary>
    public IReadOnlyCollection<ObjectRef> AddressPolicies => _addressPolicies;

    /// <summary>Peers that can select a pod of <paramref name="podNamespace"/>.</summary>
    public IEnumerable<PeerUse> CandidatesFor(string podNamespace) =>
        (_local.TryGetValue(podNamespace, out Dictionary<string, PeerUse>? local) ? local.Values : Enumerable.Empty<PeerUse>())
            .Concat(_crossNamespace.Values);

    /// <summary>Peers with a namespaceSelector.</summary>
    public IEnumerable<PeerUse> CrossNamespace => _crossNamespace.Values;

    public void Add(NetworkPolicySpec policy) => Update(policy, +1);

    public void Remove(NetworkPolicySpec policy) => Update(policy, -1);

    private void Update(NetworkPolicySpec policy, int delta)
    {
        ArgumentNullException.ThrowIfNull(policy);
        bool address = false;
        foreach ((PolicyRule rule, bool egress) in RulesInUse(policy))
        {
            if (egress && ((rule.Peers.Count == 0 && rule.Ports.Any(p => p.NamedPort is not null)) || rule.Peers.Any(p => p.IpBlock is not null)))
            {
                address = true;
            }

            foreach (PolicyPeer peer in rule.Peers)
            {
                if (peer.IpBlock is not null)
                {
                    continue;
                }

                Dictionary<string, PeerUse> map = peer.NamespaceSelector is null
                    ? GetOrAdd(policy.Namespace)
                    : _crossNamespace;
                string key = peer.ToString();
                if (!map.TryGetValue(key, out PeerUse? use))
                {
                    if (delta < 0)
                    {
                        continue;
                    }

                    use = new PeerUse(peer, policy.Namespace);
                    map[key] = use;
                }

                use.Count(policy.Ref, delta);
                if (use.IsUnused)
                {
                    map.Remove(key);
                }
            }
        }

        if (address && delta > 0)
        {
            _addressPolicies.Add(policy.Ref);
        }
        else if (address)
        {
            _addressPolicies.Remove(policy.Ref);
        }
    }

    private Dictionary<string, PeerUse> GetOrAdd(string ns)
    {
        if (!_local.TryGetValue(ns, out Dictionary<string, PeerUse>? map))
        {
            map = new Dictionary<string, PeerUse>(StringComparer.Ordinal);
            _local[ns] = map;
        }

        return map;
    }

    private static IEnumerable<(PolicyRule Rule, bool Egress)> RulesInUse(NetworkPolicySpec policy)
    {
        if ((policy.PolicyTypes & PolicyTypes.Ingress) != 0)
        {
            foreach (PolicyRule r in policy.Ingress)
            {
                yield return (r, false);
            }
        }

        if ((policy.PolicyTypes & PolicyTypes.Egress) != 0)
        {
            foreach (PolicyRule r in policy.Egress)
            {
                yield return (r, true);
            }
        }
    }
}

/// <summary>One distinct peer and the policies using it (a podSelector-only peer is distinct per namespace).</summary>
public sealed class PeerUse
{
    private readonly Dictionary<ObjectRef, int> _policies = new();

    internal PeerUse(PolicyPeer peer, string policyNamespace)
    {
        Peer = peer;
        PolicyNamespace = policyNamespace;
    }

    public PolicyPeer Peer { get; }

    /// <summary>Namespace of (one of) the policies using the peer; for a podSelector-only peer, the namespace it selects in.</summary>
    public string PolicyNamespace { get; }

    public IEnumerable<ObjectRef> Policies => _policies.Keys;

    internal bool IsUnused => _policies.Count == 0;

    internal void Count(ObjectRef policy, int delta)
    {
        int n = _policies.GetValueOrDefault(policy) + delta;
        if (n <= 0)
        {
            _policies.Remove(policy);
        }
        else
        {
            _policies[policy] = n;
        }
    }
}
