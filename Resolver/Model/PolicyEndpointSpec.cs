namespace Npa.Resolver.Model;

/// <summary><c>spec.policyRef</c> of a PolicyEndpoint.</summary>
public sealed record PolicyReference(string Name, string Namespace);

/// <summary>One entry of <c>spec.podSelectorEndpoints</c>.</summary>
public sealed record PodEndpoint(string HostIp, string PodIp, string Name, string Namespace);

/// <summary>One entry of <c>ports</c> of an EndpointInfo; Port null means every port.</summary>
public sealed record EndpointPort(Protocol Protocol, int? Port, int? EndPort);

/// <summary>An EndpointInfo: a CIDR (or single IP) with holes and ports.</summary>
public sealed record EndpointInfo(string Cidr, IReadOnlyList<string> Except, IReadOnlyList<EndpointPort> Ports)
{
    public bool Equals(EndpointInfo? other) =>
        other is not null && Cidr == other.Cidr && Except.SequenceEqual(other.Except) && Ports.SequenceEqual(other.Ports);

    public override int GetHashCode() => Cidr.GetHashCode(StringComparison.Ordinal);
}

/// <summary>
/// A <c>policyendpoints.networking.k8s.aws/v1alpha1</c> PolicyEndpoint, field for field as the EKS
/// controller publishes it. <see cref="Name"/> is empty until the API server assigns one from
/// <see cref="GenerateName"/>.
/// </summary>
public sealed record PolicyEndpointSpec(
    string Namespace,
    string Name,
    string GenerateName,
    PolicyReference PolicyRef,
    LabelSelector? PodSelector,
    IReadOnlyList<Direction> PodIsolation,
    IReadOnlyList<PodEndpoint> PodSelectorEndpoints,
    IReadOnlyList<EndpointInfo> Ingress,
    IReadOnlyList<EndpointInfo> Egress)
{
    /// <summary>UID of the owning NetworkPolicy (for the ownerReference); empty when unknown.</summary>
    public string OwnerUid { get; init; } = "";

    /// <summary>
    /// <c>metadata.labels</c> of an object read from the API server (empty for a desired spec). Not part of
    /// equality: two PolicyEndpoints with the same spec are the same rules whatever their labels.
    /// </summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = EmptyLabels;

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();

    /// <summary>True when both carry the same rules for the same policy: selector, isolation and the three lists (names and owners aside).</summary>
    public bool SameContent(PolicyEndpointSpec other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Namespace == other.Namespace && PolicyRef == other.PolicyRef && Equals(PodSelector, other.PodSelector) &&
            PodIsolation.SequenceEqual(other.PodIsolation) && PodSelectorEndpoints.SequenceEqual(other.PodSelectorEndpoints) &&
            Ingress.SequenceEqual(other.Ingress) && Egress.SequenceEqual(other.Egress);
    }

    public bool Equals(PolicyEndpointSpec? other) =>
        other is not null && Namespace == other.Namespace && Name == other.Name && GenerateName == other.GenerateName &&
        PolicyRef == other.PolicyRef && Equals(PodSelector, other.PodSelector) &&
        PodIsolation.SequenceEqual(other.PodIsolation) && PodSelectorEndpoints.SequenceEqual(other.PodSelectorEndpoints) &&
        Ingress.SequenceEqual(other.Ingress) && Egress.SequenceEqual(other.Egress) && OwnerUid == other.OwnerUid;

    public override int GetHashCode() => HashCode.Combine(Namespace, Name, PolicyRef);
}
