using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Resolver.Resolution;

/// <summary>What one batch of events changed: pods whose <see cref="PodPolicy"/> is new or different, and pods gone.</summary>
public sealed record PodPolicyChanges(IReadOnlyList<PodPolicy> Changed, IReadOnlyList<ObjectRef> Removed, int PodsRecomputed)
{
    public static PodPolicyChanges None { get; } = new([], [], 0);

    public bool IsEmpty => Changed.Count == 0 && Removed.Count == 0;
}
