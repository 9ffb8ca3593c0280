using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Host.Stages;

/// <summary>
/// One pod's change for the enforcer: program <see cref="Desired"/>, or remove the pod when it is
/// null. <see cref="AcceptedTimestamp"/> (a <see cref="TimeProvider"/> timestamp) is when the input
/// event that caused it was accepted, for the programming-latency histogram.
/// </summary>
public sealed record PodPolicyChange(ObjectRef Pod, PodPolicy? Desired, long AcceptedTimestamp)
{
    public bool IsRemoval => Desired is null;
}
