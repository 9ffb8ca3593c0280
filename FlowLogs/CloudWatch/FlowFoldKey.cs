using System.Runtime.InteropServices;
using Npa.FlowLogs.Records;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.CloudWatch;

/// <summary>
/// What flows must share to fold into one summary: every field of their line except source port,
/// timestamp and count. Empty strings count as absent, and the isolating policies only matter when
/// no rule is named, as in the formatted line.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly struct FlowFoldKey : IEquatable<FlowFoldKey>
{
    private readonly FlowAddress _source;
    private readonly FlowAddress _destination;
    private readonly ushort _destinationPort;
    private readonly byte _protocol;
    private readonly FlowVerdict _verdict;
    private readonly Direction _direction;
    private readonly string? _sourceNamespace;
    private readonly string? _sourcePod;
    private readonly string? _destinationNamespace;
    private readonly string? _destinationPod;
    private readonly RuleRef? _rule;
    private readonly IReadOnlyList<string>? _isolating;

    public FlowFoldKey(in FlowRecord r)
    {
        _source = r.Source;
        _destination = r.Destination;
        _destinationPort = r.DestinationPort;
        _protocol = r.Protocol;
        _verdict = r.Verdict;
        _direction = r.Direction;
        _sourceNamespace = NullIfEmpty(r.SourceNamespace);
        _sourcePod = NullIfEmpty(r.SourcePod);
        _destinationNamespace = NullIfEmpty(r.DestinationNamespace);
        _destinationPod = NullIfEmpty(r.DestinationPod);
        _rule = r.Rule;
        _isolating = r.Rule is null && r.IsolatingPolicies is { Count: > 0 } list ? list : null;
    }

    public bool Equals(FlowFoldKey other) =>
        _source == other._source
        && _destination == other._destination
        && _destinationPort == other._destinationPort
        && _protocol == other._protocol
        && _verdict == other._verdict
        && _direction == other._direction
        && string.Equals(_sourceNamespace, other._sourceNamespace, StringComparison.Ordinal)
        && string.Equals(_sourcePod, other._sourcePod, StringComparison.Ordinal)
        && string.Equals(_destinationNamespace, other._destinationNamespace, StringComparison.Ordinal)
        && string.Equals(_destinationPod, other._destinationPod, StringComparison.Ordinal)
        && Equals(_rule, other._rule)
        && SamePolicies(_isolating, other._isolating);

    public override bool Equals(object? obj) => obj is FlowFoldKey other && Equals(other);

    public override int GetHashCode()
    {
        HashCode h = new();
        h.Add(_source);
        h.Add(_destination);
        h.Add(_destinationPort);
        h.Add(_protocol);
        h.Add(_verdict);
        h.Add(_direction);
        h.Add(_sourcePod, StringComparer.Ordinal);
        h.Add(_destinationPod, StringComparer.Ordinal);
        h.Add(_rule);
        h.Add(_isolating?.Count ?? 0);
        return h.ToHashCode();
    }

    public static bool operator ==(FlowFoldKey left, FlowFoldKey right) => left.Equals(right);

    public static bool operator !=(FlowFoldKey left, FlowFoldKey right) => !left.Equals(right);

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static bool SamePolicies(IReadOnlyList<string>? a, IReadOnlyList<string>? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null || a.Count != b.Count)
        {
            return false;
        }

        for (int i = 0; i < a.Count; i++)
        {
            if (!string.Equals(a[i], b[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
