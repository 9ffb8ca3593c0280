using System.Globalization;
using System.Threading.Channels;
using Npa.Resolver.Events;
using Npa.Resolver.Model;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// Merges the PolicyEndpoint slices a node agent watches (one informer per label selector, see
/// <see cref="PolicyEndpointNodeLabels"/>) into the one event stream the pipeline reads, so the
/// consumer sees one PolicyEndpoint collection.
/// <para>
/// An object can move from one slice to another (the controller adds or removes its labels); the
/// API server then sends DELETED on the old slice's watch and ADDED on the new one's. The two watches
/// are separate streams, so either may arrive first. Each slice writes through its own
/// <see cref="Writer"/>, and a key is reported deleted only when no slice holds it any more: the old
/// slice's late DELETED is absorbed. An update older (by resourceVersion) than the one already
/// passed on for the key, which a lagging slice may deliver, is absorbed too.
/// </para>
/// The first <see cref="SourceSynced"/> for PolicyEndpoints is passed on once every slice has listed,
/// so it still means "every PolicyEndpoint the node needs is known" (the journal restore and the
/// first-list gate depend on that); later ones (relists) pass at once.
/// </summary>
public sealed class PolicyEndpointSlices
{
    private readonly ChannelWriter<ClusterEvent> _events;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<ObjectRef, Held> _held = [];
    private readonly bool[] _listed;
    private int _syntheticDeletes;
    private bool _synced;

    public PolicyEndpointSlices(ChannelWriter<ClusterEvent> events, int sliceCount)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfLessThan(sliceCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sliceCount, 31);
        _events = events;
        _listed = new bool[sliceCount];
    }

    /// <summary>The writer slice number <paramref name="slice"/> reports through.</summary>
    public ChannelWriter<ClusterEvent> Writer(int slice)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slice);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slice, _listed.Length);
        return new SliceWriter(this, slice);
    }

    /// <summary>
    /// What to pass on for event <paramref name="e"/> of slice <paramref name="slice"/> (null: nothing),
    /// and the change to the merge state, applied only once the event has been passed on.
    /// </summary>
    private (ClusterEvent? Forward, Action Commit) Plan(int slice, ClusterEvent e)
    {
        int bit = 1 << slice;
        switch (e)
        {
            case PolicyEndpointUpserted upserted:
            {
                ObjectRef key = new(upserted.Endpoint.Namespace, upserted.Endpoint.Name);
                Held? held = _held.GetValueOrDefault(key);
                int slices = (held?.Slices ?? 0) | bit;
                return held is not null && !IsNewer(upserted.ResourceVersion, held.ResourceVersion)
                    ? (null, () => _held[key] = held with { Slices = slices })
                    : (upserted, () => _held[key] = new Held(slices, upserted.ResourceVersion));
            }

            case PolicyEndpointDeleted deleted:
            {
                if (!_held.TryGetValue(deleted.Endpoint, out Held? held) || (held.Slices & bit) == 0)
                {
                    return (null, () => { });
                }

                int slices = held.Slices & ~bit;
                return slices == 0
                    ? (deleted, () => _held.Remove(deleted.Endpoint))
                    : (null, () => _held[deleted.Endpoint] = held with { Slices = slices });
            }

            case SourceSynced synced when _synced:
                return (synced with { ObjectCount = _held.Count }, () => { });

            case SourceSynced synced:
            {
                bool all = _listed.Select((listed, i) => listed || i == slice).All(l => l);
                int syntheticDeletes = _syntheticDeletes + synced.SyntheticDeletes;
                void Commit()
                {
                    _listed[slice] = true;
                    _syntheticDeletes = syntheticDeletes;
                    _synced = all;
                }

                return all
                    ? (synced with { ObjectCount = _held.Count, SyntheticDeletes = syntheticDeletes, Relist = false }, Commit)
                    : (null, Commit);
            }

            default:
                return (e, () => { });
        }
    }

    /// <summary>Whether <paramref name="incoming"/> is after <paramref name="current"/>; versions that are not numbers are taken as newer.</summary>
    private static bool IsNewer(string incoming, string current) =>
        !ulong.TryParse(incoming, NumberStyles.None, CultureInfo.InvariantCulture, out ulong i) ||
        !ulong.TryParse(current, NumberStyles.None, CultureInfo.InvariantCulture, out ulong c) ||
        i > c;

    /// <summary>A key's holders (one bit per slice) and the resourceVersion last passed on for it.</summary>
    private sealed record Held(int Slices, string ResourceVersion);

    private sealed class SliceWriter(PolicyEndpointSlices owner, int slice) : ChannelWriter<ClusterEvent>
    {
        public override bool TryWrite(ClusterEvent item)
        {
            ArgumentNullException.ThrowIfNull(item);
            if (!owner._gate.Wait(0))
            {
                return false;
            }

            try
            {
                (ClusterEvent? forward, Action commit) = owner.Plan(slice, item);
                if (forward is not null && !owner._events.TryWrite(forward))
                {
                    return false;
                }

                commit();
                return true;
            }
            finally
            {
                owner._gate.Release();
            }
        }

        public override async ValueTask WriteAsync(ClusterEvent item, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(item);
            await owner._gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                (ClusterEvent? forward, Action commit) = owner.Plan(slice, item);
                if (forward is not null)
                {
                    await owner._events.WriteAsync(forward, cancellationToken).ConfigureAwait(false);
                }

                commit();
            }
            finally
            {
                owner._gate.Release();
            }
        }

        public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) =>
            owner._events.WaitToWriteAsync(cancellationToken);
    }
}
