using System.Text;
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

    /// <summary>
    /// The entries of this rule for one selected pod. Pods that resolve the rule's named ports to the
    /// same numbers share one list.
    /// </summary>
    public IReadOnlyList<AllowRule> RulesFor(PodInfo target)
    {
        if (NamedPorts.Count == 0 || NamedPortPeers.Count == 0)
        {
            return Shared;
        }

        IReadOnlyList<int>[] numbers = new IReadOnlyList<int>[NamedPorts.Count];
        StringBuilder key = new();
        for (int i = 0; i < numbers.Length; i++)
        {
            numbers[i] = NamedPortResolver.Resolve(target, NamedPorts[i].NamedPort!, NamedPorts[i].Protocol);
            key.AppendJoin(',', numbers[i]).Append('|');
        }

        string text = key.ToString();
        _perNumbers ??= new Dictionary<string, IReadOnlyList<AllowRule>>(StringComparer.Ordinal);
        if (_perNumbers.TryGetValue(text, out IReadOnlyList<AllowRule>? cached))
        {
            return cached;
        }

        List<AllowRule> rules = new(Shared);
        foreach (PeerBlock block in NamedPortPeers)
        {
            for (int i = 0; i < numbers.Length; i++)
            {
                foreach (int number in numbers[i])
                {
                    rules.Add(new AllowRule(block.Cidr, block.Except, L4Match.Single(NamedPorts[i].Protocol, number), block.Source));
                }
            }
        }

        IReadOnlyList<AllowRule> result = rules.Count == Shared.Count ? Shared : rules;
        _perNumbers[text] = result;
        return result;
    }

    private Dictionary<string, IReadOnlyList<AllowRule>>? _perNumbers;
}

/// <summary>Both directions of one policy, resolved; a direction missing from policyTypes has no rules.</summary>
internal sealed record PolicyResolution(NetworkPolicySpec Policy, ResolvedRule[] Ingress, ResolvedRule[] Egress);
