using System.Net;
using Npa.Resolver.Events;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;

namespace Npa.Host.Tests.Daemons;

/// <summary>A small shop: web pods on node-a, api pods on node-b, one policy letting api reach web on 8080.</summary>
internal static class AgentSamples
{
    public static NamespaceInfo Shop { get; } = new("shop", new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "shop" });

    public static PodInfo Pod(string name, string app, string ip, string node) =>
        new("shop", name, new Dictionary<string, string> { ["app"] = app }, [IPAddress.Parse(ip)], [new ContainerPort("http", 8080, Protocol.Tcp)])
        {
            Uid = "uid-" + name,
            NodeName = node,
        };

    public static NetworkPolicySpec AllowApiToWeb { get; } = new("shop", "allow-api-to-web",
        new LabelSelector(new Dictionary<string, string> { ["app"] = "web" }, []),
        PolicyTypes.Ingress,
        [new PolicyRule([new PolicyPeer(new LabelSelector(new Dictionary<string, string> { ["app"] = "api" }, []), null, null)],
            [new PolicyPort(Protocol.Tcp, null, "http", null)])],
        []);

    public static List<PodInfo> Pods { get; } =
    [
        Pod("web-1", "web", "192.168.1.10", "node-a"),
        Pod("web-2", "web", "192.168.1.11", "node-a"),
        Pod("api-1", "api", "192.168.2.10", "node-b"),
        Pod("db-1", "db", "192.168.1.12", "node-a"),
    ];

    public static ClusterEvent[] Events() =>
        new ClusterEvent[] { new NamespaceUpserted(Shop, "1") }
            .Concat(Pods.Select(p => (ClusterEvent)new PodUpserted(p, "2")))
            .Append(new PolicyUpserted(AllowApiToWeb, "3"))
            .ToArray();

    /// <summary>What node-a must enforce for <paramref name="pods"/>, resolved from scratch.</summary>
    public static Dictionary<ObjectRef, PodPolicy> ExpectedOnNodeA(IEnumerable<PodInfo> pods)
    {
        List<PodInfo> all = pods.ToList();
        IReadOnlyDictionary<ObjectRef, PodPolicy> resolved =
            PolicyResolver.ResolvePodPolicies(new ClusterSnapshot([Shop], all, [AllowApiToWeb], []));
        HashSet<ObjectRef> local = all.Where(p => p.NodeName == "node-a").Select(p => p.Ref).ToHashSet();
        return resolved.Where(kv => local.Contains(kv.Key)).ToDictionary();
    }

    public static bool SameSet(IReadOnlyDictionary<ObjectRef, PodPolicy> actual, IReadOnlyDictionary<ObjectRef, PodPolicy> expected) =>
        actual.Count == expected.Count && expected.All(kv => actual.TryGetValue(kv.Key, out PodPolicy? p) && p.Equals(kv.Value));
}
