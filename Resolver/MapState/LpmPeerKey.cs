using Npa.Resolver.Model;

namespace Npa.Resolver.MapState;

/// <summary>
/// Key of one peer entry of a pod: the direction's LPM trie for the prefix's family, at <see cref="Prefix"/>.
/// Orders by direction, family (IPv4 first), address, then length, which is a pre-order walk of the prefix tree.
/// </summary>
public readonly record struct LpmPeerKey(Direction Direction, IpPrefix Prefix) : IComparable<LpmPeerKey>
{
    public int CompareTo(LpmPeerKey other)
    {
        int c = ((byte)Direction).CompareTo((byte)other.Direction);
        return c != 0 ? c : LpmPrefixOrder.Compare(Prefix, other.Prefix);
    }

    public override string ToString() => $"{Direction.ToString().ToLowerInvariant()} {Prefix}";
}
