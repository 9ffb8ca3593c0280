using Npa.Resolver.Model;

namespace Npa.Resolver.MapState;

/// <summary>
/// One resolved allow entry for a pod and direction: traffic whose peer address is in
/// <see cref="Cidr"/> but not in any of <see cref="Except"/>, matching <see cref="Ports"/>, is allowed.
/// For ingress the peer is the source and the ports are this pod's; for egress the peer is the destination.
/// </summary>
public sealed record AllowRule(IpPrefix Cidr, IReadOnlyList<IpPrefix> Except, L4Match Ports, RuleRef Source)
{
    public bool Equals(AllowRule? other) =>
        ReferenceEquals(this, other) ||
        other is not null && Cidr == other.Cidr && Except.SequenceEqual(other.Except) &&
        Ports == other.Ports && Source == other.Source;

    public override int GetHashCode() => HashCode.Combine(Cidr, Ports, Source);
}
