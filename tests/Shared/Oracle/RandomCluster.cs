using System.Net;
using Npa.Resolver.Model;

namespace Npa.Tests.Shared.Oracle;

/// <summary>A generated cluster: namespaces, pods (some dual-stack) and policies over a small label vocabulary.</summary>
public sealed record RandomCluster(
    IReadOnlyList<NamespaceInfo> Namespaces,
    IReadOnlyList<PodInfo> Pods,
    IReadOnlyList<NetworkPolicySpec> Policies)
{
    public static readonly int[] ProbePorts = [80, 81, 443, 8080];
    private static readonly string[] Keys = ["app", "tier", "env"];
    private static readonly string[] Values = ["a", "b", "c"];
    private static readonly (string Name, int Port, Protocol Protocol)[] PortVocabulary =
    [
        ("http", 80, Protocol.Tcp), ("http", 8080, Protocol.Tcp), ("alt", 81, Protocol.Tcp),
        ("dns", 81, Protocol.Udp), ("https", 443, Protocol.Tcp), ("sctp", 80, Protocol.Sctp),
    ];

    /// <summary>Generates a cluster from <paramref name="seed"/>; the same seed gives the same cluster.</summary>
    public static RandomCluster Generate(int seed)
    {
        Random rng = new(seed);
        List<NamespaceInfo> namespaces = [];
        int nsCount = rng.Next(2, 4);
        for (int i = 0; i < nsCount; i++)
        {
            string name = $"ns{i}";
            Dictionary<string, string> labels = Labels(rng);
            labels["kubernetes.io/metadata.name"] = name;
            namespaces.Add(new NamespaceInfo(name, labels));
        }

        List<PodInfo> pods = [];
        int podCount = rng.Next(3, 8);
        for (int i = 0; i < podCount; i++)
        {
            string ns = namespaces[rng.Next(namespaces.Count)].Name;
            List<IPAddress> ips = [IPAddress.Parse($"10.{rng.Next(0, 2)}.{i / 250}.{(i % 250) + 1}")];
            if (rng.Next(3) == 0)
            {
                ips.Add(IPAddress.Parse($"fd00::{i + 1:x}"));
            }

            List<ContainerPort> ports = [.. PortVocabulary.Where(_ => rng.Next(2) == 0)
                .GroupBy(p => (p.Name, p.Protocol)).Select(g => g.First())
                .Select(p => new ContainerPort(p.Name, p.Port, p.Protocol))];
            pods.Add(new PodInfo(ns, $"p{i}", Labels(rng), ips, ports));
        }

        List<NetworkPolicySpec> policies = [];
        int policyCount = rng.Next(0, 6);
        for (int i = 0; i < policyCount; i++)
        {
            string ns = namespaces[rng.Next(namespaces.Count)].Name;
            PolicyTypes types = (PolicyTypes)rng.Next(1, 4);
            policies.Add(new NetworkPolicySpec(ns, $"pol{i}", Selector(rng), types, Rules(rng), Rules(rng)));
        }

        return new RandomCluster(namespaces, pods, policies);
    }

    private static Dictionary<string, string> Labels(Random rng)
    {
        Dictionary<string, string> labels = new(StringComparer.Ordinal);
        foreach (string key in Keys)
        {
            if (rng.Next(3) != 0)
            {
                labels[key] = Values[rng.Next(Values.Length)];
            }
        }

        return labels;
    }

    private static LabelSelector Selector(Random rng)
    {
        Dictionary<string, string> match = new(StringComparer.Ordinal);
        List<SelectorRequirement> exprs = [];
        int kind = rng.Next(4);
        if (kind == 1)
        {
            match[Keys[rng.Next(Keys.Length)]] = Values[rng.Next(Values.Length)];
        }
        else if (kind == 2)
        {
            SelectorOperator op = (SelectorOperator)rng.Next(1, 5);
            string[] values = op is SelectorOperator.In or SelectorOperator.NotIn
                ? [.. Values.Where(_ => rng.Next(2) == 0).DefaultIfEmpty(Values[0])]
                : [];
            exprs.Add(new SelectorRequirement(Keys[rng.Next(Keys.Length)], op, values));
        }
        else if (kind == 3)
        {
            match[Keys[0]] = Values[rng.Next(Values.Length)];
            exprs.Add(new SelectorRequirement(Keys[1], SelectorOperator.Exists, []));
        }

        return new LabelSelector(match, exprs);
    }

    private static List<PolicyRule> Rules(Random rng)
    {
        List<PolicyRule> rules = [];
        int count = rng.Next(0, 3);
        for (int i = 0; i < count; i++)
        {
            List<PolicyPeer> peers = [];
            int peerCount = rng.Next(0, 3);
            for (int j = 0; j < peerCount; j++)
            {
                peers.Add(rng.Next(5) switch
                {
                    0 => new PolicyPeer(Selector(rng), null, null),
                    1 => new PolicyPeer(null, Selector(rng), null),
                    2 => new PolicyPeer(Selector(rng), Selector(rng), null),
                    3 => new PolicyPeer(null, null, new IpBlock(IpPrefix.Parse("10.0.0.0/16"), rng.Next(2) == 0 ? [] : [IpPrefix.Parse($"10.0.0.{rng.Next(1, 8)}/32")])),
                    _ => new PolicyPeer(null, null, new IpBlock(IpPrefix.Parse(rng.Next(2) == 0 ? "0.0.0.0/0" : "fd00::/64"), [])),
                });
            }

            List<PolicyPort> ports = [];
            int portCount = rng.Next(0, 3);
            for (int j = 0; j < portCount; j++)
            {
                Protocol proto = rng.Next(4) switch { 0 => Protocol.Udp, 1 => Protocol.Sctp, _ => Protocol.Tcp };
                ports.Add(rng.Next(4) switch
                {
                    0 => new PolicyPort(proto, null, null, null),
                    1 => new PolicyPort(proto, null, PortVocabulary[rng.Next(PortVocabulary.Length)].Name, null),
                    2 => new PolicyPort(proto, 80, null, rng.Next(2) == 0 ? 81 : 443),
                    _ => new PolicyPort(proto, ProbePorts[rng.Next(ProbePorts.Length)], null, null),
                });
            }

            rules.Add(new PolicyRule(peers, ports));
        }

        return rules;
    }
}
