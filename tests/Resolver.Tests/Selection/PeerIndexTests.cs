using Npa.Resolver.Model;
using Npa.Resolver.Selection;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Selection;

/// <summary>The distinct peers in use, so a pod change checks each one once.</summary>
public class PeerIndexTests
{
    private static string[] Peers(IEnumerable<PeerUse> uses) => [.. uses.Select(u => u.Peer.ToString()).Order(StringComparer.Ordinal)];

    [Fact]
    public void PoliciesSharingAPeer_ShareOneEntry_ThatNamesThemAll()
    {
        PeerIndex index = new();
        index.Add(Ingress("shop", "a", "app=db", From(Pods("app=web"))));
        index.Add(Ingress("shop", "b", "app=cache", From(Pods("app=web"))));

        PeerUse use = Assert.Single(index.CandidatesFor("shop"));
        Assert.Equal([new ObjectRef("shop", "a"), new ObjectRef("shop", "b")], use.Policies.Order());
    }

    [Fact]
    public void APodSelectorOnlyPeer_IsACandidateInItsPolicysNamespaceOnly_ANamespaceSelectorPeerEverywhere()
    {
        PeerIndex index = new();
        index.Add(Ingress("shop", "local", "", From(Pods("app=web"))));
        index.Add(Ingress("shop", "cross", "", From(Namespaces("team=b"))));

        Assert.Equal(2, index.CandidatesFor("shop").Count());
        Assert.Equal([Namespaces("team=b").ToString()], Peers(index.CandidatesFor("bank")));
        Assert.Equal([Namespaces("team=b").ToString()], Peers(index.CrossNamespace));
    }

    [Fact]
    public void RemovingTheLastPolicyUsingAPeer_DropsThePeer()
    {
        PeerIndex index = new();
        NetworkPolicySpec a = Ingress("shop", "a", "", From(Pods("app=web")));
        NetworkPolicySpec b = Ingress("shop", "b", "", From(Pods("app=web")));
        index.Add(a);
        index.Add(b);

        index.Remove(a);
        Assert.Equal([new ObjectRef("shop", "b")], Assert.Single(index.CandidatesFor("shop")).Policies);

        index.Remove(b);
        Assert.Empty(index.CandidatesFor("shop"));
    }

    [Fact]
    public void RulesOfADirectionThePolicyDoesNotEnforce_AreNotInUse()
    {
        PeerIndex index = new();
        index.Add(Policy("shop", "ingress-only", "", PolicyTypes.Ingress, egress: [Rule([Pods("app=web")])]));

        Assert.Empty(index.CandidatesFor("shop"));
    }

    [Fact]
    public void IpBlockPeers_SelectNoPods_AndMakeAnEgressPolicyAnAddressPolicy()
    {
        PeerIndex index = new();
        index.Add(Egress("shop", "to-cidr", "", Rule([Block("10.0.0.0/8")])));
        index.Add(Ingress("shop", "from-cidr", "", Rule([Block("10.0.0.0/8")])));

        Assert.Empty(index.CandidatesFor("shop"));
        Assert.Equal([new ObjectRef("shop", "to-cidr")], index.AddressPolicies);

        index.Remove(Egress("shop", "to-cidr", "", Rule([Block("10.0.0.0/8")])));
        Assert.Empty(index.AddressPolicies);
    }

    [Fact]
    public void AnEgressRuleToEveryoneOnANamedPort_MakesAnAddressPolicy()
    {
        PeerIndex index = new();
        index.Add(Egress("shop", "named", "", Rule([], Named("http"))));

        Assert.Equal([new ObjectRef("shop", "named")], index.AddressPolicies);
    }
}
