using Npa.FlowLogs.Records;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Tests.CloudWatch;

/// <summary>Flow records the CloudWatch tests share.</summary>
internal static class SampleFlows
{
    /// <summary>The rule that allows web into the database.</summary>
    public static RuleRef AllowWeb { get; } = new("db", "allow-web", Direction.Ingress, 0, "app=web");

    /// <summary>An allowed flow from shop/web to db/pg-0 that only <paramref name="sourcePort"/> tells apart: such flows fold.</summary>
    public static FlowRecord WebToDatabase(ushort sourcePort, DateTime at, int count = 1) => new()
    {
        Timestamp = at,
        Source = FlowAddress.Parse("10.0.0.1"),
        Destination = FlowAddress.Parse("10.0.0.2"),
        SourcePort = sourcePort,
        DestinationPort = 5432,
        Protocol = (byte)Protocol.Tcp,
        Verdict = FlowVerdict.Allow,
        Direction = Direction.Ingress,
        SourceNamespace = "shop",
        SourcePod = "web-7d9f8c6b5-x2k4p",
        DestinationNamespace = "db",
        DestinationPod = "pg-0",
        Rule = AllowWeb,
        Count = count,
    };
}
