using System.Runtime.InteropServices;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Records;

/// <summary>5-tuple plus direction: the identity under which repeated events are aggregated.</summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct FlowKey(
    FlowAddress Source,
    FlowAddress Destination,
    ushort SourcePort,
    ushort DestinationPort,
    byte Protocol,
    Direction Direction)
{
    public static FlowKey Of(in FlowRecord record) =>
        new(record.Source, record.Destination, record.SourcePort, record.DestinationPort, record.Protocol, record.Direction);
}
