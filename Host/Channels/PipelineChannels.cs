using System.Threading.Channels;
using Npa.Host.Daemons;
using Npa.Host.Stages;
using Npa.Resolver.Events;

namespace Npa.Host.Channels;

/// <summary>
/// Every channel of the node pipeline, created here and nowhere else:
/// <code>
/// informers ─▶ Source ─▶ IngestStage (journal) ─▶ Accepted ─▶ ResolveStage ─▶ Desired ─▶ DiffStage ─▶ Enforce ─▶ EnforceStage   (agent)
///                                                                               EnforceStage ─▶ Programmed ─▶ FlowLogStage     (agent)
/// informers ─▶ Source ─▶ ControllerStage ─▶ Publish (PolicyEndpointQueue) ─▶ PolicyEndpointPublisher                           (controller)
/// </code>
/// All pipeline channels are bounded with <see cref="BoundedChannelFullMode.Wait"/>: a pipeline event is never dropped;
/// a slow stage slows the one before it, and in the end the informers' reads from the API server.
/// Capacities absorb a full relist of a large node (thousands of objects) without stalling the
/// watch, while bounding memory.
/// </summary>
public sealed class PipelineChannels
{
    /// <summary>Domain events from the informers, not yet journaled. Many writers (one per informer), one reader.</summary>
    public const int SourceCapacity = 4096;

    /// <summary>Journaled events for the resolver. One writer, one reader.</summary>
    public const int AcceptedCapacity = 1024;

    /// <summary>Resolver output: one item per input event that changed some pod. One writer, one reader.</summary>
    public const int DesiredCapacity = 256;

    /// <summary>Per-pod changes for the enforcer. One writer, one reader.</summary>
    public const int EnforceCapacity = 4096;

    /// <summary>
    /// Controller only: PolicyEndpoint sets to write, from ControllerStage to the publisher. Not a FIFO but
    /// a coalescing queue: at most one pending set per policy (the newest), so it is bounded by the number
    /// of policies and a slow API server makes later sets replace earlier ones instead of queueing them.
    /// </summary>
    public PolicyEndpointQueue Publish { get; } = new();

    public Channel<ClusterEvent> Source { get; } = Channel.CreateBounded<ClusterEvent>(
        new BoundedChannelOptions(SourceCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = false });

    public Channel<AcceptedEvent> Accepted { get; } = Channel.CreateBounded<AcceptedEvent>(
        new BoundedChannelOptions(AcceptedCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });

    public Channel<DesiredChanges> Desired { get; } = Channel.CreateBounded<DesiredChanges>(
        new BoundedChannelOptions(DesiredCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });

    /// <summary>
    /// A signal, not data: the enforce stage has programmed a change, so the flow-log stage re-reads which
    /// pod has which address and which policies isolate it before the pod's first flows arrive. One slot,
    /// <see cref="BoundedChannelFullMode.DropWrite"/>: a pending signal stands for any number of changes.
    /// </summary>
    public Channel<bool> Programmed { get; } = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true, SingleWriter = true });

    public Channel<PodPolicyChange> Enforce { get; } = Channel.CreateBounded<PodPolicyChange>(
        new BoundedChannelOptions(EnforceCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = true });
}
