namespace Npa.Resolver.Model;

/// <summary>Traffic direction, seen from the selected pod.</summary>
public enum Direction : byte
{
    Unknown = 0,
    Ingress = 1,
    Egress = 2,
}

/// <summary>policyTypes of a NetworkPolicy, after API defaulting.</summary>
[Flags]
public enum PolicyTypes
{
    None = 0,
    Ingress = 1,
    Egress = 2,
}

/// <summary>A port of a rule: a number or a name (resolved per destination pod), optionally a range.</summary>
public sealed record PolicyPort(Protocol Protocol, int? Port, string? NamedPort, int? EndPort)
{
    /// <summary>All ports of one protocol (port omitted).</summary>
    public bool IsAllPorts => Port is null && NamedPort is null;

    public override string ToString() =>
        NamedPort is not null ? $"{Protocol.ToString().ToUpperInvariant()}/{NamedPort}" :
        Port is null ? $"{Protocol.ToString().ToUpperInvariant()}/*" :
        EndPort is null ? $"{Protocol.ToString().ToUpperInvariant()}/{Port}" :
        $"{Protocol.ToString().ToUpperInvariant()}/{Port}-{EndPort}";
}

/// <summary>An ipBlock peer: a CIDR with optional holes.</summary>
public sealed record IpBlock(IpPrefix Cidr, IReadOnlyList<IpPrefix> Except)
{
    public bool Equals(IpBlock? other) => other is not null && Cidr == other.Cidr && Except.SequenceEqual(other.Except);

    public override int GetHashCode() => Cidr.GetHashCode();

    public override string ToString() =>
        Except.Count == 0 ? Cidr.ToString() : $"{Cidr} except {string.Join(",", Except)}";
}

/// <summary>
/// One entry of <c>from</c>/<c>to</c>. Exactly one of (PodSelector and/or NamespaceSelector) or IpBlock is set.
/// A null NamespaceSelector with a PodSelector means "in the policy's namespace";
/// an empty NamespaceSelector means "in every namespace".
/// </summary>
public sealed record PolicyPeer(LabelSelector? PodSelector, LabelSelector? NamespaceSelector, IpBlock? IpBlock)
{
    public override string ToString() =>
        IpBlock is not null ? $"ipBlock {IpBlock}" :
        (PodSelector, NamespaceSelector) switch
        {
            (not null, null) => $"podSelector {PodSelector}",
            (null, not null) => $"namespaceSelector {NamespaceSelector}",
            _ => $"namespaceSelector {NamespaceSelector} + podSelector {PodSelector}",
        };
}

/// <summary>
/// One ingress or egress rule. An empty <see cref="Peers"/> list means every peer; an empty
/// <see cref="Ports"/> list means every port (the API treats missing and empty alike).
/// </summary>
public sealed record PolicyRule(IReadOnlyList<PolicyPeer> Peers, IReadOnlyList<PolicyPort> Ports)
{
    public bool Equals(PolicyRule? other) =>
        other is not null && Peers.SequenceEqual(other.Peers) && Ports.SequenceEqual(other.Ports);

    public override int GetHashCode() => HashCode.Combine(Peers.Count, Ports.Count);
}

/// <summary>A networking.k8s.io/v1 NetworkPolicy after validation and defaulting.</summary>
public sealed record NetworkPolicySpec(
    string Namespace,
    string Name,
    LabelSelector PodSelector,
    PolicyTypes PolicyTypes,
    IReadOnlyList<PolicyRule> Ingress,
    IReadOnlyList<PolicyRule> Egress)
{
    public string Uid { get; init; } = "";

    public ObjectRef Ref => new(Namespace, Name);

    public bool Equals(NetworkPolicySpec? other) =>
        other is not null && Namespace == other.Namespace && Name == other.Name && Uid == other.Uid &&
        PodSelector.Equals(other.PodSelector) && PolicyTypes == other.PolicyTypes &&
        Ingress.SequenceEqual(other.Ingress) && Egress.SequenceEqual(other.Egress);

    public override int GetHashCode() => HashCode.Combine(Namespace, Name);
}
