using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Npa.Host.Cni;
using Npa.Resolver.Model;

namespace Npa.Host.Lab.Kernel;

/// <summary>
/// Builds the lab's network: one node namespace that routes (ip_forward on), and per pod a namespace
/// with <c>eth0</c> whose peer, named as the EKS CNI names it, lives in the node namespace. Pods use a
/// link-local gateway (169.254.1.1 / fe80::1) resolved statically to the host veth; the node has a host
/// route and a static neighbour per pod address. Nothing here touches the machine's own namespace.
/// </summary>
internal sealed class LabTopology
{
    public static readonly IPAddress GatewayV4 = IPAddress.Parse("169.254.1.1");
    public static readonly IPAddress GatewayV6 = IPAddress.Parse("fe80::1");

    public LabTopology(string prefix, string labId)
    {
        Prefix = prefix;
        LabId = labId;
        NodeNetns = LabNames.NodeNamespace(prefix, labId);
    }

    public string Prefix { get; }

    public string LabId { get; }

    public string NodeNetns { get; }

    public void CreateNode()
    {
        if (!NetNamespace.Exists(NodeNetns))
        {
            Shell.Ip(null, "netns", "add", NodeNetns);
        }

        Shell.Ip(NodeNetns, "link", "set", "lo", "up");
        Shell.Sysctl(NodeNetns, "net.ipv4.ip_forward", "1");
        Shell.Sysctl(NodeNetns, "net.ipv6.conf.all.forwarding", "1");
        Shell.Sysctl(NodeNetns, "net.ipv4.conf.all.rp_filter", "0");
        Shell.Sysctl(NodeNetns, "net.ipv4.conf.default.rp_filter", "0");
        Shell.Sysctl(NodeNetns, "net.ipv6.conf.default.accept_dad", "0");
    }

    /// <summary>Creates (or re-creates) the namespace, veth pair, addresses, routes and neighbours of one pod.</summary>
    public LabPod AddPod(ObjectRef pod, IReadOnlyList<IPAddress> ips, IReadOnlyList<LabPort> ports)
    {
        string netns = LabNames.PodNamespace(Prefix, LabId, pod);
        string veth = HostVethName.For(pod.Namespace, pod.Name);
        RemovePod(netns);
        // The kernel frees a deleted namespace's veths asynchronously; a pod rebuilt at once would find its
        // host veth's name still taken.
        Shell.Run("ip", ["-n", NodeNetns, "link", "del", veth]);
        Shell.Ip(null, "netns", "add", netns);
        try
        {
            Shell.Sysctl(netns, "net.ipv6.conf.default.accept_dad", "0");
            Shell.Sysctl(netns, "net.ipv6.conf.all.accept_dad", "0");
            Shell.Ip(netns, "link", "set", "lo", "up");
            Shell.Ip(NodeNetns, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns);
            Shell.Ip(NodeNetns, "link", "set", veth, "up");
            Shell.Ip(netns, "link", "set", "eth0", "up");
            string hostMac = MacOf(NodeNetns, veth);
            string podMac = MacOf(netns, "eth0");
            foreach (IPAddress ip in ips)
            {
                bool v6 = ip.AddressFamily == AddressFamily.InterNetworkV6;
                if (v6)
                {
                    Shell.Ip(netns, "-6", "addr", "add", $"{ip}/128", "dev", "eth0", "nodad");
                    Shell.Ip(NodeNetns, "-6", "route", "replace", $"{ip}/128", "dev", veth);
                    Shell.Ip(NodeNetns, "-6", "neigh", "replace", ip.ToString(), "dev", veth, "lladdr", podMac, "nud", "permanent");
                }
                else
                {
                    Shell.Ip(netns, "addr", "add", $"{ip}/32", "dev", "eth0");
                    Shell.Ip(NodeNetns, "route", "replace", $"{ip}/32", "dev", veth);
                    Shell.Ip(NodeNetns, "neigh", "replace", ip.ToString(), "dev", veth, "lladdr", podMac, "nud", "permanent");
                }
            }

            if (ips.Any(i => i.AddressFamily == AddressFamily.InterNetwork))
            {
                Shell.Ip(netns, "route", "add", $"{GatewayV4}/32", "dev", "eth0", "scope", "link");
                Shell.Ip(netns, "route", "add", "default", "via", GatewayV4.ToString(), "dev", "eth0");
                Shell.Ip(netns, "neigh", "replace", GatewayV4.ToString(), "dev", "eth0", "lladdr", hostMac, "nud", "permanent");
            }

            if (ips.Any(i => i.AddressFamily == AddressFamily.InterNetworkV6))
            {
                Shell.Ip(netns, "-6", "route", "add", "default", "via", GatewayV6.ToString(), "dev", "eth0");
                Shell.Ip(netns, "-6", "neigh", "replace", GatewayV6.ToString(), "dev", "eth0", "lladdr", hostMac, "nud", "permanent");
            }
        }
        catch
        {
            RemovePod(netns);
            throw;
        }

        return new LabPod(pod, netns, veth, ips, ports);
    }

    /// <summary>Deleting the namespace deletes eth0, its host peer, the node's routes to it and anything attached.</summary>
    public static void RemovePod(string netns)
    {
        if (NetNamespace.Exists(netns))
        {
            Shell.Run("ip", ["netns", "del", netns]);
        }
    }

    /// <summary>Removes every namespace of the lab (pods first, node last). Idempotent.</summary>
    public static IReadOnlyList<string> RemoveAll(string prefix, string labId)
    {
        string node = LabNames.NodeNamespace(prefix, labId);
        List<string> removed = [];
        foreach (string ns in NetNamespace.List(LabNames.NamespacePrefix(prefix, labId)).OrderBy(n => n == node))
        {
            Shell.Run("ip", ["netns", "del", ns]);
            removed.Add(ns);
        }

        return removed;
    }

    private static string MacOf(string netns, string dev)
    {
        using JsonDocument doc = JsonDocument.Parse(Shell.Ip(netns, "-j", "link", "show", "dev", dev));
        return doc.RootElement[0].GetProperty("address").GetString()
            ?? throw new LabException($"{dev} in {netns} has no MAC address");
    }
}
