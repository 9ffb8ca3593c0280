using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Resolver.Resolution;

/// <summary>A peer address range of an ingress rule waiting for a named port of the selected pod.</summary>
internal readonly record struct PeerBlock(IpPrefix Cidr, IReadOnlyList<IpPrefix> Except, RuleRef Source);

/// <summary>
/// One rule of one policy, resolved once and shared by every pod the policy selects. Everything is in
/// <see cref="Shared"/> except ingress named ports, which mean the number the selected pod itself
/// declares and are expanded per pod by <see cref="RulesFor"/>.
/// </summary>
internal sealed class ResolvedRule
{
    public static ResolvedRule Empty { get; } = new([], [], []);

    public ResolvedRule(IReadOnlyList<AllowRule> shared, IReadOnlyList<PeerBlock> namedPortPeers, IReadOnlyList<PolicyPort> namedPorts)
    {
        Shared = shared;
        NamedPortPeers = namedPortPeers;
        NamedPorts = namedPorts;
    }

    public IReadOnlyList<AllowRule> Shared { get; }

    public IReadOnlyList<PeerBlock> NamedPortPeers { get; }

    public IReadOnlyList<PolicyPort> NamedPorts { get; }

    public IReadOnlyList<AllowRule> RulesFor(PodInfo target)
    {
        if (NamedPorts.Count == 0 || NamedPortPeers.Count == 0)
        {
            return Shared;
        }

        List<AllowRule> rules = new(Shared);
        foreach (PeerBlock block in NamedPortPeers)
        {
            foreach (PolicyPort port in NamedPorts)
            {
                foreach (int number in NamedPortResolver.Resolve(target, port.NamedPort!, port.Protocol))
                {
                    rules.Add(new AllowRule(block.Cidr, block.Except, L4Match.Single(port.Protocol, number), block.Source));
                }
            }
        }

        return rules;
    }
}

/// <summary>Both directions of one policy, resolved; a direction missing from policyTypes has no rules.</summary>
internal sealed record PolicyResolution(NetworkPolicySpec Policy, ResolvedRule[] Ingress, ResolvedRule[] Egress);
