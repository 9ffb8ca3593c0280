using System.Threading.Channels;
using Npa.Host.Stages;
using Npa.Ingest.Manifests;
using Npa.Resolver.Events;
using Npa.Resolver.Model;

namespace Npa.Host.Lab;

/// <summary>
/// A manifest folder as the agent's event source. Each read goes through the product's manifest
/// reader and translation (<see cref="ManifestReader"/>); the difference to the previous read becomes
/// upserts and deletes, and the first read ends with a <see cref="SourceSynced"/> per kind, as an
/// informer's first list does. The folder is read again on file-system notifications, on
/// <see cref="Poke"/>, and every <paramref name="rescanInterval"/>. Every event of a read carries the
/// folder's content hash (<see cref="LabContentHash"/>) as its resource version.
/// </summary>
public sealed class ManifestFolderSource(string directory, TimeSpan rescanInterval) : IClusterEventSource
{
    private static readonly ResourceKind[] Kinds = [ResourceKind.Namespace, ResourceKind.Pod, ResourceKind.NetworkPolicy, ResourceKind.Service];

    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private FolderRead _last = new("", 0, []);

    /// <summary>Called after each read's events have all been written.</summary>
    public event Action<FolderRead>? Read;

    public IReadOnlySet<ResourceKind> FirstListKinds { get; } = Kinds.ToHashSet();

    /// <summary>The last read whose events have all been written.</summary>
    public FolderRead LastRead => Volatile.Read(ref _last);

    /// <summary>Asks for a read now (a rescan would find the change anyway).</summary>
    public void Poke() => _changed.Writer.TryWrite(true);

    public async Task RunAsync(ChannelWriter<ClusterEvent> events, Action onSynced, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(onSynced);
        using FileSystemWatcher watcher = new(directory)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Created += (_, _) => Poke();
        watcher.Changed += (_, _) => Poke();
        watcher.Deleted += (_, _) => Poke();
        watcher.Renamed += (_, _) => Poke();
        watcher.EnableRaisingEvents = true;

        ManifestSet? previous = null;
        long written = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            // The hash first: a file written during the read makes the next hash differ, so it is read again.
            string hash = LabContentHash.Compute(directory);
            if (hash != LastRead.ContentHash)
            {
                ManifestSet current = ManifestReader.ReadPaths([directory]);
                foreach (ClusterEvent e in Changes(previous ?? ManifestSet.Empty, current, hash))
                {
                    await events.WriteAsync(e, cancellationToken);
                    written++;
                }

                if (previous is null)
                {
                    foreach (ResourceKind kind in Kinds)
                    {
                        await events.WriteAsync(new SourceSynced(kind, hash, Count(current, kind), 0, Relist: false), cancellationToken);
                        written++;
                    }

                    onSynced();
                }

                previous = current;
                FolderRead read = new(hash, written, [.. current.Diagnostics.Select(d => d.ToString())]);
                Volatile.Write(ref _last, read);
                Read?.Invoke(read);
            }

            await WaitForChangeAsync(cancellationToken);
        }
    }

    private async Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        using CancellationTokenSource rescan = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        rescan.CancelAfter(rescanInterval);
        try
        {
            await _changed.Reader.ReadAsync(rescan.Token);
            await Task.Delay(100, cancellationToken); // let a burst of writes settle
            _changed.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The periodic rescan.
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loop ends.
        }
    }

    /// <summary>
    /// What turns <paramref name="before"/> into <paramref name="after"/>: namespaces and services first
    /// and policies before pods, then deletes in the reverse order.
    /// </summary>
    public static IEnumerable<ClusterEvent> Changes(ManifestSet before, ManifestSet after, string version)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        Dictionary<string, NamespaceInfo> namespaces = before.Namespaces.ToDictionary(n => n.Name);
        foreach (NamespaceInfo n in after.Namespaces.Where(n => !namespaces.TryGetValue(n.Name, out NamespaceInfo? had) || !SameLabels(had, n)))
        {
            yield return new NamespaceUpserted(n, version);
        }

        foreach (ClusterEvent e in Upserts(before.Services, after.Services, s => s.Ref, s => new ServiceUpserted(s, version)))
        {
            yield return e;
        }

        foreach (ClusterEvent e in Upserts(before.Policies, after.Policies, p => p.Ref, p => new PolicyUpserted(p, version)))
        {
            yield return e;
        }

        foreach (ClusterEvent e in Upserts(before.Pods, after.Pods, p => p.Ref, p => new PodUpserted(p, version)))
        {
            yield return e;
        }

        foreach (PodInfo p in Gone(before.Pods, after.Pods, p => p.Ref))
        {
            yield return new PodDeleted(p.Ref, p.Uid, version);
        }

        foreach (NetworkPolicySpec p in Gone(before.Policies, after.Policies, p => p.Ref))
        {
            yield return new PolicyDeleted(p.Ref, p.Uid, version);
        }

        foreach (ServiceInfo s in Gone(before.Services, after.Services, s => s.Ref))
        {
            yield return new ServiceDeleted(s.Ref, version);
        }

        foreach (NamespaceInfo n in Gone(before.Namespaces, after.Namespaces, n => n.Name))
        {
            yield return new NamespaceDeleted(n.Name, version);
        }
    }

    private static IEnumerable<ClusterEvent> Upserts<T, TKey>(IReadOnlyList<T> before, IReadOnlyList<T> after, Func<T, TKey> key, Func<T, ClusterEvent> upserted)
        where TKey : notnull
    {
        Dictionary<TKey, T> had = before.ToDictionary(key);
        return after.Where(o => !had.TryGetValue(key(o), out T? old) || !Equals(old, o)).Select(upserted);
    }

    private static IEnumerable<T> Gone<T, TKey>(IReadOnlyList<T> before, IReadOnlyList<T> after, Func<T, TKey> key)
    {
        HashSet<TKey> kept = [.. after.Select(key)];
        return before.Where(o => !kept.Contains(key(o)));
    }

    private static bool SameLabels(NamespaceInfo a, NamespaceInfo b) =>
        a.Labels.Count == b.Labels.Count && a.Labels.All(l => b.Labels.TryGetValue(l.Key, out string? v) && v == l.Value);

    private static int Count(ManifestSet set, ResourceKind kind) => kind switch
    {
        ResourceKind.Namespace => set.Namespaces.Count,
        ResourceKind.Pod => set.Pods.Count,
        ResourceKind.NetworkPolicy => set.Policies.Count,
        _ => set.Services.Count,
    };
}
