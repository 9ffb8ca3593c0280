using System.Net;
using Npa.Resolver.Model;

namespace Npa.Resolver.MapState;

/// <summary>Everything the node must program for one pod: its addresses and both directions.</summary>
public sealed record PodPolicy(ObjectRef Pod, IReadOnlyList<IPAddress> PodIps, DirectionPolicy Ingress, DirectionPolicy Egress)
{
    public DirectionPolicy this[Direction direction] => direction switch
    {
        Direction.Ingress => Ingress,
        Direction.Egress => Egress,
        _ => throw new ArgumentOutOfRangeException(nameof(direction)),
    };

    public bool Equals(PodPolicy? other) =>
        other is not null && Pod == other.Pod && PodIps.SequenceEqual(other.PodIps) &&
        Ingress.Equals(other.Ingress) && Egress.Equals(other.Egress);

    public override int GetHashCode() => Pod.GetHashCode();
}
