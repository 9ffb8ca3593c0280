using System.Net;
using Npa.Resolver.Model;

namespace Npa.Host.Lab;

/// <summary>One L4 endpoint a lab pod serves.</summary>
public readonly record struct LabPort(Protocol Protocol, int Port) : IComparable<LabPort>
{
    public int CompareTo(LabPort other) => Protocol != other.Protocol ? Protocol.CompareTo(other.Protocol) : Port.CompareTo(other.Port);

    public override string ToString() => $"{Protocol.ToString().ToUpperInvariant()}/{Port}";
}

/// <summary>A pod as the lab built it: its namespace, the host veth in the node namespace, addresses and listeners.</summary>
public sealed record LabPod(ObjectRef Pod, string Netns, string HostVeth, IReadOnlyList<IPAddress> Ips, IReadOnlyList<LabPort> Ports)
{
    public bool Equals(LabPod? other) =>
        other is not null && Pod == other.Pod && Netns == other.Netns && HostVeth == other.HostVeth &&
        Ips.SequenceEqual(other.Ips) && Ports.SequenceEqual(other.Ports);

    public override int GetHashCode() => Pod.GetHashCode();
}
