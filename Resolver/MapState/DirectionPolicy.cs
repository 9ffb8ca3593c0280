using Npa.Resolver.Model;

namespace Npa.Resolver.MapState;

/// <summary>
/// The resolved state of one direction of one pod. When <see cref="Isolated"/> is false every packet
/// is allowed and <see cref="Rules"/> is empty. When true, only what some rule allows passes.
/// </summary>
public sealed record DirectionPolicy(bool Isolated, IReadOnlyList<AllowRule> Rules, IReadOnlyList<ObjectRef> IsolatingPolicies)
{
    public static DirectionPolicy Open { get; } = new(false, Array.Empty<AllowRule>(), Array.Empty<ObjectRef>());

    public bool Equals(DirectionPolicy? other) =>
        other is not null && Isolated == other.Isolated && (ReferenceEquals(Rules, other.Rules) || Rules.SequenceEqual(other.Rules)) &&
        IsolatingPolicies.SequenceEqual(other.IsolatingPolicies);

    public override int GetHashCode() => HashCode.Combine(Isolated, Rules.Count);
}
