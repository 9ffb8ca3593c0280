using System.Net;
using Npa.Resolver.Model;

namespace Npa.Tests.Shared.Builders;

/// <summary>Short constructors for model records, so tests read like the policies they describe.</summary>
public static class Spec
{
    /// <summary>Labels from "k=v,k2=v2" ("" for none).</summary>
    public static IReadOnlyDictionary<string, string> Labels(string text)
    {
        Dictionary<string, string> labels = new(StringComparer.Ordinal);
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            labels[part[..eq]] = part[(eq + 1)..];
        }

        return labels;
    }

    /// <summary>A matchLabels selector from "k=v,..." ("" selects everything).</summary>
    public static LabelSelector Select(string matchLabels) => new(Labels(matchLabels), []);

    public static LabelSelector Expression(string key, SelectorOperator op, params string[] values) =>
        new(new Dictionary<string, string>(), [new SelectorRequirement(key, op, values)]);

    public static PolicyPeer Pods(string podSelector) => new(Select(podSelector), null, null);

    public static PolicyPeer Namespaces(string namespaceSelector) => new(null, Select(namespaceSelector), null);

    public static PolicyPeer PodsInNamespaces(string namespaceSelector, string podSelector) =>
        new(Select(podSelector), Select(namespaceSelector), null);

    public static PolicyPeer Block(string cidr, params string[] except) =>
        new(null, null, new IpBlock(IpPrefix.Parse(cidr), except.Select(IpPrefix.Parse).ToArray()));

    public static PolicyPort Tcp(int port, int? endPort = null) => new(Protocol.Tcp, port, null, endPort);

    public static PolicyPort Udp(int port) => new(Protocol.Udp, port, null, null);

    public static PolicyPort Sctp(int port) => new(Protocol.Sctp, port, null, null);

    public static PolicyPort AllPortsOf(Protocol protocol) => new(protocol, null, null, null);

    public static PolicyPort Named(string name, Protocol protocol = Protocol.Tcp) => new(protocol, null, name, null);

    public static PolicyRule Rule(IEnumerable<PolicyPeer> peers, params PolicyPort[] ports) => new(peers.ToArray(), ports);

    public static PolicyRule FromAnywhere(params PolicyPort[] ports) => new([], ports);

    public static PolicyRule From(PolicyPeer peer, params PolicyPort[] ports) => new([peer], ports);

    public static NetworkPolicySpec Ingress(string ns, string name, string podSelector, params PolicyRule[] rules) =>
        new(ns, name, Select(podSelector), PolicyTypes.Ingress, rules, []);

    public static NetworkPolicySpec Egress(string ns, string name, string podSelector, params PolicyRule[] rules) =>
        new(ns, name, Select(podSelector), PolicyTypes.Egress, [], rules);

    public static NetworkPolicySpec Policy(string ns, string name, string podSelector, PolicyTypes types,
        IReadOnlyList<PolicyRule>? ingress = null, IReadOnlyList<PolicyRule>? egress = null) =>
        new(ns, name, Select(podSelector), types, ingress ?? [], egress ?? []);

    public static NamespaceInfo Namespace(string name, string labels = "") =>
        new(name, Labels(labels + (labels.Length > 0 ? "," : "") + "kubernetes.io/metadata.name=" + name));

    /// <summary>A pod from "ns/name", labels "k=v,...", addresses "10.0.0.1,fd00::1" and container ports "http=80/TCP,dns=53/UDP,8080".</summary>
    public static PodInfo Pod(string id, string labels, string ips, string ports = "")
    {
        ObjectRef r = ObjectRef.TryParse(id, out ObjectRef parsed) ? parsed : throw new ArgumentException($"'{id}' is not namespace/name", nameof(id));
        List<ContainerPort> declared = [];
        foreach (string p in ports.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = p.IndexOf('=', StringComparison.Ordinal);
            string? name = eq < 0 ? null : p[..eq];
            string rest = eq < 0 ? p : p[(eq + 1)..];
            string[] numberAndProto = rest.Split('/');
            Protocol proto = numberAndProto.Length > 1 ? Enum.Parse<Protocol>(numberAndProto[1], ignoreCase: true) : Protocol.Tcp;
            declared.Add(new ContainerPort(name, int.Parse(numberAndProto[0]), proto));
        }

        IPAddress[] addresses = ips.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(IPAddress.Parse).ToArray();
        return new PodInfo(r.Namespace, r.Name, Labels(labels), addresses, declared);
    }

    /// <summary>A Service "ns/name" with a selector "k=v", cluster IPs and ports.</summary>
    public static ServiceInfo Service(string id, string selector, string clusterIps, params ServicePort[] ports)
    {
        ObjectRef r = ObjectRef.TryParse(id, out ObjectRef parsed) ? parsed : throw new ArgumentException($"'{id}' is not namespace/name", nameof(id));
        return new ServiceInfo(r.Namespace, r.Name,
            clusterIps.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(IPAddress.Parse).ToArray(),
            Labels(selector), ports);
    }

    public static ServicePort ServicePort(int port, int targetPort, Protocol protocol = Protocol.Tcp) => new(null, protocol, port, targetPort, null);

    public static ServicePort ServicePort(int port, string targetPortName, Protocol protocol = Protocol.Tcp) => new(null, protocol, port, null, targetPortName);
}
