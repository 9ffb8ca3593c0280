using Npa.Ingest.Manifests;
using Npa.Resolver.Model;

namespace Npa.Ingest.Tests.Translation;

public class NetworkPolicyTranslatorTests
{
    private static ManifestSet Read(string yaml) => ManifestReader.ReadText(yaml, "test.yaml");

    private static string Policy(string spec, string name = "web") => $"""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {"{"}name: {name}, namespace: default{"}"}
        spec:
        {spec}
        """;

    [Fact]
    public void PolicyTypes_DefaultToIngressOnly_WhenNoEgressRules()
    {
        ManifestSet set = Read(Policy("  podSelector: {}\n  egress: []"));
        Assert.Equal(PolicyTypes.Ingress, Assert.Single(set.Policies).PolicyTypes);
    }

    [Fact]
    public void PolicyTypes_IncludeEgress_WhenEgressRulesPresent()
    {
        ManifestSet set = Read(Policy("  podSelector: {}\n  egress:\n  - {}"));
        Assert.Equal(PolicyTypes.Ingress | PolicyTypes.Egress, Assert.Single(set.Policies).PolicyTypes);
    }

    [Fact]
    public void ExplicitPolicyTypes_AreKept()
    {
        ManifestSet set = Read(Policy("  podSelector: {}\n  policyTypes: [Egress]\n  ingress:\n  - {}"));
        Assert.Equal(PolicyTypes.Egress, Assert.Single(set.Policies).PolicyTypes);
    }

    [Fact]
    public void MissingProtocol_DefaultsToTcp_AndNamedPortIsKept()
    {
        ManifestSet set = Read(Policy("  podSelector: {}\n  ingress:\n  - ports:\n    - port: 80\n    - port: http\n      protocol: UDP"));
        PolicyRule rule = Assert.Single(Assert.Single(set.Policies).Ingress);
        Assert.Equal(new PolicyPort(Protocol.Tcp, 80, null, null), rule.Ports[0]);
        Assert.Equal(new PolicyPort(Protocol.Udp, null, "http", null), rule.Ports[1]);
    }

    [Fact]
    public void EmptyFromAndMissingFrom_BothMeanEveryPeer()
    {
        ManifestSet set = Read(Policy("  podSelector: {}\n  ingress:\n  - from: []\n  - {}"));
        Assert.All(Assert.Single(set.Policies).Ingress, r => Assert.Empty(r.Peers));
    }

    [Fact]
    public void NamespaceSelectorAbsent_IsNull_AndEmpty_IsEverything()
    {
        ManifestSet set = Read(Policy("  podSelector: {}\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {a: b}}\n    - namespaceSelector: {}"));
        IReadOnlyList<PolicyPeer> peers = Assert.Single(Assert.Single(set.Policies).Ingress).Peers;
        Assert.Null(peers[0].NamespaceSelector);
        Assert.NotNull(peers[1].NamespaceSelector);
        Assert.True(peers[1].NamespaceSelector!.IsEmpty);
        Assert.Null(peers[1].PodSelector);
    }

    public static TheoryData<string, string, string> InvalidPolicies => new()
    {
        { "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/33}", "spec.ingress[0].from[0].ipBlock.cidr", "prefix length" },
        { "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/16]}", "spec.ingress[0].from[0].ipBlock.except[0]", "strict subset" },
        { "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}", "spec.ingress[0].from[0].ipBlock.except[0]", "strict subset" },
        { "  podSelector: {}\n  ingress:\n  - ports:\n    - port: 70000", "spec.ingress[0].ports[0].port", "out of range" },
        { "  podSelector: {}\n  ingress:\n  - ports:\n    - port: 0", "spec.ingress[0].ports[0].port", "out of range" },
        { "  podSelector: {}\n  egress:\n  - ports:\n    - {port: 90, endPort: 80}", "spec.egress[0].ports[0].endPort", "less than port 90" },
        { "  podSelector: {}\n  egress:\n  - ports:\n    - {port: http, endPort: 80}", "spec.egress[0].ports[0].endPort", "named port" },
        { "  podSelector: {}\n  egress:\n  - ports:\n    - {endPort: 80}", "spec.egress[0].ports[0].endPort", "without a numeric port" },
        { "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: 80, protocol: ICMP}", "spec.ingress[0].ports[0].protocol", "'ICMP' is not a supported protocol" },
        { "  podSelector:\n    matchExpressions:\n    - {key: a, operator: Equals, values: [b]}", "spec.podSelector.matchExpressions[0].operator", "'Equals' is not a valid selector operator" },
        { "  podSelector:\n    matchExpressions:\n    - {key: a, operator: In}", "spec.podSelector.matchExpressions[0].values", "must be non-empty" },
        { "  podSelector: {}\n  ingress:\n  - from:\n    - {}", "spec.ingress[0].from[0]", "must specify a peer" },
        { "  podSelector: {}\n  ingress:\n  - from:\n    - {ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}", "spec.ingress[0].from[0]", "may not be combined" },
        { "  podSelector: {}\n  policyTypes: [Sideways]", "spec.policyTypes[0]", "'Sideways' is not a policy type" },
    };

    [Theory]
    [MemberData(nameof(InvalidPolicies))]
    public void InvalidPolicy_IsRejected_WithKindNameFieldAndReason(string spec, string field, string reason)
    {
        ManifestSet set = Read(Policy(spec, "bad") + "\n---\n" + Policy("  podSelector: {}", "good"));

        Assert.Equal("good", Assert.Single(set.Policies).Name);
        Diagnostic d = Assert.Single(set.Diagnostics, x => x.Severity == DiagnosticSeverity.Error);
        Assert.Equal("NetworkPolicy", d.Kind);
        Assert.Equal("default", d.Namespace);
        Assert.Equal("bad", d.Name);
        Assert.Equal(field, d.Field);
        Assert.Contains(reason, d.Message, StringComparison.Ordinal);
        Assert.StartsWith($"error: NetworkPolicy default/bad: {field}:", d.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void IpBlockWithExcept_IsParsedAndNormalised()
    {
        ManifestSet set = Read(Policy("  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {cidr: 10.1.2.3/16, except: [10.1.5.0/24]}"));
        IpBlock block = Assert.Single(Assert.Single(Assert.Single(set.Policies).Egress).Peers).IpBlock!;
        Assert.Equal(IpPrefix.Parse("10.1.0.0/16"), block.Cidr);
        Assert.Equal([IpPrefix.Parse("10.1.5.0/24")], block.Except);
        Assert.Contains(set.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning && d.Message.Contains("host bits", StringComparison.Ordinal));
    }
}
