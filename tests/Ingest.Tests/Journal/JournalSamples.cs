using Npa.Resolver.Events;
using System.Net;
using Npa.Ingest.Journal;
using Npa.Resolver.Model;

namespace Npa.Ingest.Tests.Journal;

/// <summary>Small, varied objects and event streams for journal tests.</summary>
internal static class JournalSamples
{
    public static NamespaceInfo Namespace(string name, string team = "a") =>
        new(name, new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = name, ["team"] = team });

    public static PodInfo Pod(string ns, string name, string ip, string app = "web") =>
        new(ns, name, new Dictionary<string, string> { ["app"] = app }, [IPAddress.Parse(ip)],
            [new ContainerPort("http", 8080, Protocol.Tcp), new ContainerPort(null, 53, Protocol.Udp)])
        {
            Uid = $"uid-{ns}-{name}",
            NodeName = "node-1",
            HostIp = "10.0.0.1",
        };

    public static NetworkPolicySpec Policy(string ns, string name) =>
        new(ns, name,
            new LabelSelector(new Dictionary<string, string> { ["app"] = "web" }, []),
            PolicyTypes.Ingress | PolicyTypes.Egress,
            [
                new PolicyRule(
                    [
                        new PolicyPeer(new LabelSelector(new Dictionary<string, string> { ["app"] = "api" }, []), null, null),
                        new PolicyPeer(null, new LabelSelector(new Dictionary<string, string>(),
                            [new SelectorRequirement("team", SelectorOperator.In, ["a", "b"])]), null),
                    ],
                    [new PolicyPort(Protocol.Tcp, null, "http", null), new PolicyPort(Protocol.Tcp, 9000, null, 9100)]),
            ],
            [
                new PolicyRule(
                    [new PolicyPeer(null, null, new IpBlock(IpPrefix.Parse("10.0.0.0/8"), [IpPrefix.Parse("10.1.0.0/16")]))],
                    []),
            ])
        {
            Uid = $"uid-np-{name}",
        };

    public static ServiceInfo Service(string ns, string name) =>
        new(ns, name, [IPAddress.Parse("172.20.0.10")], new Dictionary<string, string> { ["app"] = "web" },
            [new ServicePort("http", Protocol.Tcp, 80, null, "http"), new ServicePort(null, Protocol.Udp, 53, 53, null)]);

    public static PolicyEndpointSpec PolicyEndpoint(string ns, string name) =>
        new(ns, name, "web-", new PolicyReference("web", ns),
            new LabelSelector(new Dictionary<string, string> { ["app"] = "web" }, []),
            [Direction.Ingress],
            [new PodEndpoint("10.0.0.1", "192.168.1.5", "web-1", ns)],
            [new EndpointInfo("192.168.1.7/32", [], [new EndpointPort(Protocol.Tcp, 8080, null)])],
            [new EndpointInfo("10.0.0.0/8", ["10.1.0.0/16"], [])])
        {
            OwnerUid = "uid-np-web",
        };

    /// <summary>A deterministic mixed stream: upserts, updates, deletes and sync markers.</summary>
    public static List<JournalEvent> Stream(int count)
    {
        List<JournalEvent> events = [];
        for (int i = 0; events.Count < count; i++)
        {
            string ns = $"ns{i % 3}";
            events.Add(JournalModelMapper.Upsert(Namespace(ns, i % 2 == 0 ? "a" : "b")));
            events.Add(JournalModelMapper.Upsert(Pod(ns, $"pod{i % 7}", $"192.168.{i % 5}.{(i % 200) + 1}", i % 2 == 0 ? "web" : "api")));
            events.Add(JournalModelMapper.Upsert(Policy(ns, $"np{i % 4}")));
            if (i % 5 == 4)
            {
                events.Add(JournalModelMapper.Delete(ResourceKind.Pod, ns, $"pod{(i + 3) % 7}"));
                events.Add(JournalModelMapper.Delete(ResourceKind.NetworkPolicy, ns, $"np{(i + 1) % 4}"));
            }

            if (i % 9 == 0)
            {
                events.Add(JournalModelMapper.Upsert(Service(ns, "svc")));
                events.Add(JournalModelMapper.Upsert(PolicyEndpoint(ns, $"web-{i % 3}")));
                events.Add(JournalModelMapper.Synced(ResourceKind.Pod));
            }
        }

        return events.Take(count).ToList();
    }
}
