using System.Net;
using Npa.Resolver.Model;

namespace Npa.Resolver.MapState;

/// <summary>
/// Evaluates compiled map contents exactly as the pod programs do: the longest peer prefix gives a
/// rule set; then the longest port block of (set, protocol, port), else the set's any-protocol entry.
/// The enforcer uses it to decide which conntrack entries a policy change revokes.
/// </summary>
public static class LpmLookup
{
    /// <summary>The rule id allowing the packet, or 0 when no rule allows it. Only meaningful for an isolated direction.</summary>
    public static uint Find(LpmPodState state, Direction direction, IPAddress peer, byte protocol, int port)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(peer);
        if (peer.IsIPv4MappedToIPv6)
        {
            peer = peer.MapToIPv4();
        }

        LpmPeerKey? best = null;
        uint setId = 0;
        foreach ((LpmPeerKey key, uint value) in state.Peers)
        {
            if (key.Direction == direction && key.Prefix.Contains(peer) &&
                (best is null || key.Prefix.Length > best.Value.Prefix.Length))
            {
                best = key;
                setId = value;
            }
        }

        if (setId == 0)
        {
            return 0;
        }

        int bestBits = -1;
        uint rule = 0;
        uint any = 0;
        foreach ((LpmPortKey key, uint value) in state.Ports)
        {
            if (key.Direction != direction || key.SetId != setId)
            {
                continue;
            }

            if (key.Protocol == 0)
            {
                any = value;
            }
            else if (protocol != 0 && key.Matches(protocol, port) && key.PortBits > bestBits)
            {
                bestBits = key.PortBits;
                rule = value;
            }
        }

        return rule != 0 ? rule : any;
    }

    /// <summary>Whether a packet passes the direction: not isolated, or some rule allows it.</summary>
    public static bool Allows(LpmPodState state, Direction direction, IPAddress peer, byte protocol, int port) =>
        !state.IsIsolated(direction) || Find(state, direction, peer, protocol, port) != 0;
}
