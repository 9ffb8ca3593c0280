using Npa.Resolver.Model;

namespace Npa.Resolver.Resolution;

/// <summary>
/// Splits one policy's PolicyEndpoint into objects of at most <c>chunkSize</c> entries per list
/// (<c>podSelectorEndpoints</c>, <c>ingress</c>, <c>egress</c>; the EKS controller's
/// <c>--endpoint-chunk-size</c>), keeping every entry in the object that already holds it.
/// <para>
/// An entry is identified by its address: a pod endpoint by its pod IP, an ingress or egress entry by
/// its CIDR and holes. An entry still wanted stays in its object (updated in place when its ports or
/// pod changed); an entry no longer wanted leaves its object; a new entry goes to the first object with
/// room in that list, else to a new object. So one added pod touches one object, not every object after
/// it. An object left with no entry at all is dropped, but a policy always keeps one object (an empty
/// PolicyEndpoint still says the policy selects nothing, or isolates with no peer). When the objects have
/// become much emptier than needed (more than twice the minimum plus one), they are packed afresh.
/// Entries inside an object follow the order of the desired lists, so a plan is deterministic.
/// </para>
/// </summary>
public static class PolicyEndpointChunks
{
    /// <summary>
    /// The objects <paramref name="desired"/> (one unchunked spec) should be written as, given the
    /// <paramref name="existing"/> objects of the same policy (with their names). Kept objects carry their
    /// name; new ones an empty name. Existing objects not in the result are the ones to delete.
    /// </summary>
    public static IReadOnlyList<PolicyEndpointSpec> Plan(PolicyEndpointSpec desired, IReadOnlyList<PolicyEndpointSpec> existing, int chunkSize)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        int minimum = MinimumChunks(desired, chunkSize);
        PolicyEndpointSpec[] current = [.. existing.OrderBy(e => e.Name, StringComparer.Ordinal)];
        List<Builder> chunks;
        if (current.Length > (2 * minimum) + 1)
        {
            // Packed afresh into the first objects' names; the rest are deleted.
            chunks = [.. current.Take(minimum).Select(c => new Builder(c.Name))];
            current = [];
        }
        else
        {
            chunks = [.. current.Select(c => new Builder(c.Name))];
        }

        Place(desired.PodSelectorEndpoints, [.. current.Select(c => c.PodSelectorEndpoints)], p => p.PodIp, chunks, b => b.Pods, chunkSize);
        Place(desired.Ingress, [.. current.Select(c => c.Ingress)], EndpointKey, chunks, b => b.Ingress, chunkSize);
        Place(desired.Egress, [.. current.Select(c => c.Egress)], EndpointKey, chunks, b => b.Egress, chunkSize);

        List<Builder> kept = [.. chunks.Where(c => !c.IsEmpty)];
        if (kept.Count == 0)
        {
            kept.Add(chunks.Count > 0 ? chunks[0] : new Builder(""));
        }

        return [.. kept.Select(c => desired with
        {
            Name = c.Name,
            PodSelectorEndpoints = c.Pods.Ordered(),
            Ingress = c.Ingress.Ordered(),
            Egress = c.Egress.Ordered(),
        })];
    }

    /// <summary>Objects needed at the least: the longest list divided by the chunk size, rounded up, and at least one.</summary>
    public static int MinimumChunks(PolicyEndpointSpec spec, int chunkSize)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int longest = Math.Max(spec.PodSelectorEndpoints.Count, Math.Max(spec.Ingress.Count, spec.Egress.Count));
        return Math.Max(1, (longest + chunkSize - 1) / chunkSize);
    }

    private static string EndpointKey(EndpointInfo e) => e.Except.Count == 0 ? e.Cidr : e.Cidr + "!" + string.Join(",", e.Except);

    /// <summary>
    /// Places one list: wanted entries stay where they are, new ones fill the first chunk with room
    /// (in the desired order), then new chunks.
    /// </summary>
    private static void Place<T>(
        IReadOnlyList<T> wanted, IReadOnlyList<T>[] held, Func<T, string> key, List<Builder> chunks, Func<Builder, Slot<T>> slot, int chunkSize)
        where T : class
    {
        Dictionary<string, int> order = new(wanted.Count, StringComparer.Ordinal);
        for (int i = 0; i < wanted.Count; i++)
        {
            order.TryAdd(key(wanted[i]), i);
        }

        bool[] placed = new bool[wanted.Count];
        for (int c = 0; c < held.Length; c++)
        {
            Slot<T> target = slot(chunks[c]);
            foreach (T entry in held[c])
            {
                if (target.Count < chunkSize && order.TryGetValue(key(entry), out int at) && !placed[at])
                {
                    placed[at] = true;
                    target.Add(at, wanted[at]);
                }
            }
        }

        int next = 0;
        for (int i = 0; i < wanted.Count; i++)
        {
            if (placed[i])
            {
                continue;
            }

            while (next < chunks.Count && slot(chunks[next]).Count >= chunkSize)
            {
                next++;
            }

            if (next == chunks.Count)
            {
                chunks.Add(new Builder(""));
            }

            slot(chunks[next]).Add(i, wanted[i]);
        }
    }

    /// <summary>The entries of one list in one chunk, with their positions in the desired list.</summary>
    private sealed class Slot<T>
    {
        private readonly List<(int At, T Entry)> _entries = [];

        public int Count => _entries.Count;

        public void Add(int at, T entry) => _entries.Add((at, entry));

        public T[] Ordered() => [.. _entries.OrderBy(e => e.At).Select(e => e.Entry)];
    }

    private sealed class Builder(string name)
    {
        public string Name { get; } = name;

        public Slot<PodEndpoint> Pods { get; } = new();

        public Slot<EndpointInfo> Ingress { get; } = new();

        public Slot<EndpointInfo> Egress { get; } = new();

        public bool IsEmpty => Pods.Count == 0 && Ingress.Count == 0 && Egress.Count == 0;
    }
}
