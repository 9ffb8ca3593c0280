using Npa.Resolver.Model;

namespace Npa.Resolver.MapState;

/// <summary>
/// Key of one port entry of a pod: in rule set <see cref="SetId"/> of the direction, protocol
/// <see cref="Protocol"/> (0 = any protocol, then no port bits) and the aligned port block whose first
/// <see cref="PortBits"/> bits equal those of <see cref="Port"/> (16 = one port, 0 = every port).
/// </summary>
public readonly record struct LpmPortKey(Direction Direction, uint SetId, byte Protocol, ushort Port, byte PortBits)
    : IComparable<LpmPortKey>
{
    public int FirstPort => Port;

    public int LastPort => Port + (1 << (16 - PortBits)) - 1;

    public int CompareTo(LpmPortKey other)
    {
        int c = ((byte)Direction).CompareTo((byte)other.Direction);
        if (c == 0) c = SetId.CompareTo(other.SetId);
        if (c == 0) c = Protocol.CompareTo(other.Protocol);
        if (c == 0) c = Port.CompareTo(other.Port);
        if (c == 0) c = PortBits.CompareTo(other.PortBits);
        return c;
    }

    public bool Matches(byte protocol, int port) =>
        Protocol == protocol && (Protocol == 0 || (port >= FirstPort && port <= LastPort));

    public override string ToString() =>
        Protocol == 0 ? $"{Direction.ToString().ToLowerInvariant()} set {SetId} any" :
        $"{Direction.ToString().ToLowerInvariant()} set {SetId} {(Protocol)Protocol}/{FirstPort}-{LastPort}";
}
