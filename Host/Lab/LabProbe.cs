using System.Globalization;
using Npa.Resolver.Model;
using Npa.Resolver.Verdicts;

namespace Npa.Host.Lab;

/// <summary>
/// What one probe of the lab targets: a port number, the same on every destination, or a container port
/// name that each destination pod resolves to its own number (as upstream conformance probes
/// <c>TCP/serve-80-tcp</c>). Written as given: <c>TCP/80</c>, <c>TCP/serve-80-tcp</c>.
/// </summary>
public readonly record struct LabProbe : IComparable<LabProbe>
{
    private LabProbe(Protocol protocol, int? port, string? portName)
    {
        Protocol = protocol;
        Port = port;
        PortName = portName;
    }

    public Protocol Protocol { get; }

    /// <summary>The port number, or null for a named probe.</summary>
    public int? Port { get; }

    /// <summary>The container port name, or null for a numbered probe.</summary>
    public string? PortName { get; }

    public bool IsNamed => PortName is not null;

    public string PortText => PortName ?? Port?.ToString(CultureInfo.InvariantCulture) ?? "";

    public static LabProbe Number(LabPort port) => new(port.Protocol, port.Port, null);

    public static LabProbe Named(Protocol protocol, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(protocol, null, name);
    }

    /// <summary>A served port probed by its number.</summary>
    public static implicit operator LabProbe(LabPort port) => Number(port);

    /// <summary>The port this probe connects to on <paramref name="pod"/>; null when the pod declares no port of that name and protocol.</summary>
    public LabPort? On(LabPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return PortName is { } name ? pod.PortNamed(name, Protocol) : new LabPort(Protocol, Port ?? 0);
    }

    /// <summary>The same probe in the resolver's terms, so observed and expected matrices name the same thing.</summary>
    public Probe ToResolverProbe() => new(Protocol, Port, PortName);

    /// <summary>Numbered probes first (by protocol, then number), then named ones (by protocol, then name).</summary>
    public int CompareTo(LabProbe other)
    {
        if (IsNamed != other.IsNamed)
        {
            return IsNamed ? 1 : -1;
        }

        if (Protocol != other.Protocol)
        {
            return Protocol.CompareTo(other.Protocol);
        }

        return IsNamed ? string.CompareOrdinal(PortName, other.PortName) : Nullable.Compare(Port, other.Port);
    }

    public override string ToString() => $"{Protocol.ToString().ToUpperInvariant()}/{PortText}";
}
