using Npa.Resolver.Model;

namespace Npa.Resolver.MapState;

/// <summary>
/// Protocol and destination-port range a rule allows. <see cref="Protocol"/> null means any protocol
/// (a rule without ports); ports 0..65535 mean every port of that protocol.
/// </summary>
public readonly record struct L4Match(Protocol? Protocol, int FirstPort, int LastPort)
{
    public static L4Match Any { get; } = new(null, 0, 65535);

    public static L4Match AllPorts(Protocol protocol) => new(protocol, 0, 65535);

    public static L4Match Single(Protocol protocol, int port) => new(protocol, port, port);

    public bool Allows(Protocol protocol, int port) =>
        (Protocol is null || Protocol == protocol) && port >= FirstPort && port <= LastPort;

    public override string ToString() =>
        Protocol is null ? "any" :
        FirstPort == 0 && LastPort == 65535 ? $"{Protocol.Value.ToString().ToUpperInvariant()}/*" :
        FirstPort == LastPort ? $"{Protocol.Value.ToString().ToUpperInvariant()}/{FirstPort}" :
        $"{Protocol.Value.ToString().ToUpperInvariant()}/{FirstPort}-{LastPort}";
}
