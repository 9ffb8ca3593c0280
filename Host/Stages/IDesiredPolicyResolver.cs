using Npa.Resolver.Events;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;

namespace Npa.Host.Stages;

/// <summary>The resolve stage's pure core: events in, changed <see cref="PodPolicy"/> out.</summary>
public interface IDesiredPolicyResolver
{
    PodPolicyChanges Apply(ClusterEvent e);

    /// <summary>Every pod's desired policy now.</summary>
    IReadOnlyDictionary<ObjectRef, PodPolicy> Desired { get; }
}
