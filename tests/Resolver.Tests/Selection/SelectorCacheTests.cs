using Npa.Resolver.Model;
using Npa.Resolver.Selection;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Selection;

/// <summary>The cache answers as the index does, and forgets exactly what a pod change can alter.</summary>
public class SelectorCacheTests
{
    private readonly ClusterIndex _index = new();
    private readonly SelectorCache _cache;

    public SelectorCacheTests()
    {
        _index.Upsert(Namespace("shop", "team=a"));
        _index.Upsert(Namespace("bank", "team=b"));
        _index.Upsert(Pod("shop/web", "app=web", "10.0.0.1"));
        _index.Upsert(Pod("shop/db", "app=db", "10.0.0.2"));
        _index.Upsert(Pod("bank/web", "app=web", "10.0.1.1"));
        _cache = new SelectorCache(_index);
    }

    private static string[] Names(IEnumerable<PodInfo> pods) => [.. pods.Select(p => p.Ref.ToString())];

    private void Upsert(PodInfo pod)
    {
        PodInfo? old = _index.Upsert(pod);
        _cache.InvalidatePod(old, pod);
    }

    [Fact]
    public void ASelection_IsTheIndexsAnswer_MadeOncePerPeer()
    {
        PolicyPeer peer = Pods("app=web");

        PodInfo[] first = _cache.PodsSelectedBy(peer, "shop");

        Assert.Equal(Names(_index.PodsSelectedBy(peer, "shop")), Names(first));
        Assert.Same(first, _cache.PodsSelectedBy(Pods("app=web"), "shop"));
    }

    [Fact]
    public void ThePodSelectorAlone_IsCachedPerPolicyNamespace()
    {
        Assert.Equal(["shop/web"], Names(_cache.PodsSelectedBy(Pods("app=web"), "shop")));
        Assert.Equal(["bank/web"], Names(_cache.PodsSelectedBy(Pods("app=web"), "bank")));
    }

    [Fact]
    public void ANewPodThatMatches_JoinsTheSelectionAfterInvalidatePod()
    {
        PolicyPeer peer = PodsInNamespaces("", "app=web");
        _ = _cache.PodsSelectedBy(peer, "shop");

        Upsert(Pod("bank/web-2", "app=web", "10.0.1.2"));

        Assert.Equal(["bank/web", "bank/web-2", "shop/web"], Names(_cache.PodsSelectedBy(peer, "shop")));
    }

    [Fact]
    public void APodRelabeledOutOfASelection_LeavesIt()
    {
        PolicyPeer peer = Pods("app=web");
        _ = _cache.PodsSelectedBy(peer, "shop");

        Upsert(Pod("shop/web", "app=retired", "10.0.0.1"));

        Assert.Empty(_cache.PodsSelectedBy(peer, "shop"));
    }

    [Fact]
    public void APodChange_KeepsSelectionsThatIncludeNeitherVersionOfThePod()
    {
        PodInfo[] dbs = _cache.PodsSelectedBy(Pods("app=db"), "shop");

        Upsert(Pod("shop/web", "app=web,version=2", "10.0.0.1"));

        Assert.Same(dbs, _cache.PodsSelectedBy(Pods("app=db"), "shop"));
    }

    [Fact]
    public void InvalidatePodsOf_ForgetsThatNamespacesSelections_AndEveryCrossNamespaceOne()
    {
        PodInfo[] bankLocal = _cache.PodsSelectedBy(Pods("app=web"), "bank");
        PodInfo[] shopLocal = _cache.PodsSelectedBy(Pods("app=web"), "shop");
        PodInfo[] cross = _cache.PodsSelectedBy(Namespaces("team=b"), "shop");

        _cache.InvalidatePodsOf("shop");

        Assert.Same(bankLocal, _cache.PodsSelectedBy(Pods("app=web"), "bank"));
        Assert.NotSame(shopLocal, _cache.PodsSelectedBy(Pods("app=web"), "shop"));
        Assert.NotSame(cross, _cache.PodsSelectedBy(Namespaces("team=b"), "shop"));
    }

    [Fact]
    public void Clear_AfterANamespaceRelabel_SelectsByTheNewLabels()
    {
        PolicyPeer teamC = Namespaces("team=c");
        Assert.Empty(_cache.PodsSelectedBy(teamC, "shop"));

        _index.Upsert(Namespace("bank", "team=c"));
        _cache.Clear();

        Assert.Equal(["bank/web"], Names(_cache.PodsSelectedBy(teamC, "shop")));
    }
}
