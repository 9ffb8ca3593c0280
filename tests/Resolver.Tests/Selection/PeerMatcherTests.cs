using Npa.Resolver.Model;
using Npa.Resolver.Selection;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Selection;

/// <summary>Which pods a NetworkPolicy peer selects: the from/to semantics of the API.</summary>
public class PeerMatcherTests
{
    private static readonly IReadOnlyDictionary<string, string> ShopLabels = Namespace("shop", "team=a").Labels;
    private static readonly IReadOnlyDictionary<string, string> BankLabels = Namespace("bank", "team=b").Labels;

    private static IReadOnlyDictionary<string, string> LabelsOf(PodInfo pod) => pod.Namespace == "shop" ? ShopLabels : BankLabels;

    private static bool Selects(PolicyPeer peer, PodInfo pod, string policyNamespace = "shop") =>
        PeerMatcher.SelectsPod(peer, policyNamespace, pod, LabelsOf(pod));

    [Fact]
    public void PodSelectorAlone_SelectsMatchingPodsOfThePolicysNamespaceOnly()
    {
        PolicyPeer peer = Pods("app=web");

        Assert.True(Selects(peer, Pod("shop/web", "app=web", "10.0.0.1")));
        Assert.False(Selects(peer, Pod("bank/web", "app=web", "10.0.1.1")));
        Assert.False(Selects(peer, Pod("shop/db", "app=db", "10.0.0.2")));
    }

    [Fact]
    public void NamespaceSelectorAlone_SelectsEveryPodOfMatchingNamespaces()
    {
        PolicyPeer peer = Namespaces("team=b");

        Assert.True(Selects(peer, Pod("bank/web", "app=web", "10.0.1.1")));
        Assert.True(Selects(peer, Pod("bank/db", "", "10.0.1.2")));
        Assert.False(Selects(peer, Pod("shop/web", "app=web", "10.0.0.1")));
    }

    [Fact]
    public void NamespaceSelectorAndPodSelector_InOnePeer_AreAnded()
    {
        PolicyPeer peer = PodsInNamespaces("team=b", "app=web");

        Assert.True(Selects(peer, Pod("bank/web", "app=web", "10.0.1.1")));
        Assert.False(Selects(peer, Pod("bank/db", "app=db", "10.0.1.2")));
        Assert.False(Selects(peer, Pod("shop/web", "app=web", "10.0.0.1")));
    }

    [Fact]
    public void EmptyNamespaceSelector_SelectsEveryNamespace()
    {
        PolicyPeer peer = PodsInNamespaces("", "app=web");

        Assert.True(Selects(peer, Pod("shop/web", "app=web", "10.0.0.1")));
        Assert.True(Selects(peer, Pod("bank/web", "app=web", "10.0.1.1")));
    }

    [Fact]
    public void EmptyPodSelector_SelectsEveryPodOfThePolicysNamespace()
    {
        PolicyPeer peer = Pods("");

        Assert.True(Selects(peer, Pod("shop/anything", "", "10.0.0.9")));
        Assert.False(Selects(peer, Pod("bank/anything", "", "10.0.1.9")));
    }

    [Fact]
    public void NamespaceSelector_MatchesTheMetadataNameLabel()
    {
        PolicyPeer peer = Namespaces("kubernetes.io/metadata.name=bank");

        Assert.True(Selects(peer, Pod("bank/web", "", "10.0.1.1")));
        Assert.False(Selects(peer, Pod("shop/web", "", "10.0.0.1")));
    }

    [Fact]
    public void IpBlockPeer_SelectsNoPod_EvenOneInsideTheBlock()
    {
        Assert.False(Selects(Block("10.0.0.0/8"), Pod("shop/web", "app=web", "10.0.0.1")));
    }

    [Fact]
    public void HostNetworkPods_AreNeverSelected()
    {
        PodInfo hostPod = Pod("shop/agent", "app=web", "192.168.1.10") with { HostNetwork = true };

        Assert.False(Selects(Pods("app=web"), hostPod));
        Assert.False(Selects(Namespaces(""), hostPod));
    }

    [Fact]
    public void AdmitsNamespace_IsThePolicysOwnWithoutANamespaceSelector_ElseTheSelectorsMatches()
    {
        Assert.True(PeerMatcher.AdmitsNamespace(Pods("app=web"), "shop", "shop", ShopLabels));
        Assert.False(PeerMatcher.AdmitsNamespace(Pods("app=web"), "shop", "bank", BankLabels));
        Assert.True(PeerMatcher.AdmitsNamespace(Namespaces("team=b"), "shop", "bank", BankLabels));
        Assert.False(PeerMatcher.AdmitsNamespace(Namespaces("team=b"), "shop", "shop", ShopLabels));
        Assert.False(PeerMatcher.AdmitsNamespace(Block("10.0.0.0/8"), "shop", "shop", ShopLabels));
    }
}
