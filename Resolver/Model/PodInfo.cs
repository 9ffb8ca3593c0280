using System.Net;

namespace Npa.Resolver.Model;

/// <summary>A container port a pod declares (<c>spec.containers[].ports[]</c>).</summary>
public sealed record ContainerPort(string? Name, int Port, Protocol Protocol);

/// <summary>
/// A Pod as the resolver needs it. <see cref="Ips"/> holds <c>status.podIPs</c> (v4 and/or v6);
/// it is empty until the pod has an address.
/// </summary>
public sealed record PodInfo(
    string Namespace,
    string Name,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<IPAddress> Ips,
    IReadOnlyList<ContainerPort> Ports)
{
    public string Uid { get; init; } = "";

    public string? NodeName { get; init; }

    public string? HostIp { get; init; }

    /// <summary>Host-network pods are never isolated by NetworkPolicy.</summary>
    public bool HostNetwork { get; init; }

    public ObjectRef Ref => new(Namespace, Name);

    public bool Equals(PodInfo? other) =>
        other is not null && Namespace == other.Namespace && Name == other.Name && Uid == other.Uid &&
        NodeName == other.NodeName && HostIp == other.HostIp && HostNetwork == other.HostNetwork &&
        Labels.Count == other.Labels.Count &&
        Labels.All(kv => other.Labels.TryGetValue(kv.Key, out string? v) && v == kv.Value) &&
        Ips.SequenceEqual(other.Ips) && Ports.SequenceEqual(other.Ports);

    public override int GetHashCode() => HashCode.Combine(Namespace, Name, Uid);
}
