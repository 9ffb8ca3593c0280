using System.Net;

namespace Npa.Resolver.Model;

/// <summary>A Service port; <see cref="TargetPort"/> is a number or, in <see cref="TargetPortName"/>, a container port name.</summary>
public sealed record ServicePort(string? Name, Protocol Protocol, int Port, int? TargetPort, string? TargetPortName);

/// <summary>A Service as the resolver needs it. A null selector means the Service has no selector (manual endpoints).</summary>
public sealed record ServiceInfo(
    string Namespace,
    string Name,
    IReadOnlyList<IPAddress> ClusterIps,
    IReadOnlyDictionary<string, string>? Selector,
    IReadOnlyList<ServicePort> Ports)
{
    public ObjectRef Ref => new(Namespace, Name);

    public bool Equals(ServiceInfo? other) =>
        other is not null && Namespace == other.Namespace && Name == other.Name &&
        ClusterIps.SequenceEqual(other.ClusterIps) && Ports.SequenceEqual(other.Ports) &&
        (Selector is null ? other.Selector is null :
            other.Selector is not null && Selector.Count == other.Selector.Count &&
            Selector.All(kv => other.Selector.TryGetValue(kv.Key, out string? v) && v == kv.Value));

    public override int GetHashCode() => HashCode.Combine(Namespace, Name);
}
