using Npa.Resolver.Model;
using Npa.Resolver.Selection;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Selection;

public class ClusterIndexTests
{
    private static ClusterIndex Index(params PodInfo[] pods)
    {
        ClusterIndex index = new();
        index.Upsert(Namespace("shop", "team=a"));
        index.Upsert(Namespace("bank", "team=b"));
        foreach (PodInfo p in pods)
        {
            index.Upsert(p);
        }

        return index;
    }

    private static string[] Names(IEnumerable<PodInfo> pods) => [.. pods.Select(p => p.Ref.ToString())];

    [Fact]
    public void PodsSelectedBy_BothSelectors_AreMatchingPodsInMatchingNamespaces_InNamespaceNameOrder()
    {
        ClusterIndex index = Index(
            Pod("shop/web-2", "app=web", "10.0.0.2"),
            Pod("bank/web-1", "app=web", "10.0.1.1"),
            Pod("shop/web-1", "app=web", "10.0.0.1"),
            Pod("shop/db", "app=db", "10.0.0.3"));

        Assert.Equal(["shop/web-1", "shop/web-2"], Names(index.PodsSelectedBy(PodsInNamespaces("team=a", "app=web"), "bank")));
        Assert.Equal(["bank/web-1", "shop/web-1", "shop/web-2"], Names(index.PodsSelectedBy(PodsInNamespaces("", "app=web"), "bank")));
    }

    [Fact]
    public void TargetsOf_AnEmptyPodSelector_IsEveryPodOfThePolicysNamespace_ButHostNetworkPods()
    {
        ClusterIndex index = Index(
            Pod("shop/web", "app=web", "10.0.0.1"),
            Pod("shop/db", "app=db", "10.0.0.2"),
            Pod("shop/agent", "", "192.168.1.10") with { HostNetwork = true },
            Pod("bank/web", "app=web", "10.0.1.1"));

        Assert.Equal(["shop/db", "shop/web"], Names(index.TargetsOf(Ingress("shop", "deny-all", ""))));
    }

    [Fact]
    public void ANamespaceNotYetSeen_CarriesOnlyItsMetadataNameLabel()
    {
        ClusterIndex index = new();
        index.Upsert(Pod("late/web", "app=web", "10.0.2.1"));

        Assert.Equal(Labels("kubernetes.io/metadata.name=late"), index.LabelsOfNamespace("late"));
        Assert.Equal(["late/web"], Names(index.PodsSelectedBy(Namespaces("kubernetes.io/metadata.name=late"), "shop")));
        Assert.Empty(index.PodsSelectedBy(Namespaces("team=c"), "shop"));
    }

    [Fact]
    public void RelabelingANamespace_ChangesWhichOfItsPodsANamespaceSelectorSelects()
    {
        ClusterIndex index = Index(Pod("bank/web", "app=web", "10.0.1.1"));
        PolicyPeer teamC = Namespaces("team=c");
        Assert.Empty(index.PodsSelectedBy(teamC, "shop"));

        index.Upsert(Namespace("bank", "team=c"));

        Assert.Equal(["bank/web"], Names(index.PodsSelectedBy(teamC, "shop")));
    }

    [Fact]
    public void BackendsOf_AServiceWithoutSelector_IsNoPod_AndPodsWithoutAddressesNeverBack()
    {
        ClusterIndex index = Index(Pod("shop/web", "app=web", "10.0.0.1"), Pod("shop/pending", "app=web", ""));

        Assert.Equal(["shop/web"], Names(index.BackendsOf(Service("shop/web", "app=web", "10.96.0.10", ServicePort(80, 8080)))));
        Assert.Empty(index.BackendsOf(Service("shop/manual", "", "10.96.0.11", ServicePort(80, 8080))));
    }
}
