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
/// <remarks>
/// <see cref="Ports"/> are the listeners (every port any pod of the lab declares); <see cref="NamedPorts"/>
/// are the names this pod itself declares, which a named probe resolves against.
/// </remarks>
public sealed record LabPod(ObjectRef Pod, string Netns, string HostVeth, IReadOnlyList<IPAddress> Ips, IReadOnlyList<LabPort> Ports)
{
    public IReadOnlyList<LabNamedPort> NamedPorts { get; init; } = [];

    /// <summary>
    /// The port <paramref name="name"/> stands for on this pod for <paramref name="protocol"/>, or null when the
    /// pod declares no such name. Several ports under one name resolve to the lowest, as the resolver does.
    /// </summary>
    public LabPort? PortNamed(string name, Protocol protocol)
    {
        LabPort? lowest = null;
        foreach (LabNamedPort n in NamedPorts)
        {
            if (n.Name == name && n.Port.Protocol == protocol && (lowest is null || n.Port.Port < lowest.Value.Port))
            {
                lowest = n.Port;
            }
        }

        return lowest;
    }

    public bool Equals(LabPod? other) =>
        other is not null && Pod == other.Pod && Netns == other.Netns && HostVeth == other.HostVeth &&
        Ips.SequenceEqual(other.Ips) && Ports.SequenceEqual(other.Ports) && NamedPorts.SequenceEqual(other.NamedPorts);

    public override int GetHashCode() => Pod.GetHashCode();
}
