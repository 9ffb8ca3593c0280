using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npa.Host.Lab.Kernel;
using Npa.Host.Lab.Pipeline;
using Npa.Host.Lab.Traffic;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Host.Lab;

/// <summary>
/// A running lab: the node namespace, one namespace per Pod manifest with its listeners, and the
/// pipeline manifest folder -> resolve -> diff -> enforce, re-run whenever the folder changes
/// (file-system notifications plus a periodic rescan). After each run it publishes the folder's
/// content hash and a generation in the state dir, so <c>lab probe</c> can wait for it.
/// Disposing tears everything down.
/// </summary>
public sealed class LabDaemon : IAsyncDisposable
{
    private readonly LabOptions _options;
    private readonly ILabClusterSource _source;
    private readonly ILabPolicyResolver _resolver;
    private readonly ILogger _logger;
    private readonly LabTopology _topology;
    private readonly Dictionary<ObjectRef, LabPod> _pods = [];
    private readonly Dictionary<ObjectRef, PodListeners> _listeners = [];
    private readonly Dictionary<ObjectRef, PodPolicy> _applied = [];
    private readonly Channel<bool> _changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _reconcileLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private IPodEnforcer? _enforcer;
    private FileSystemWatcher? _watcher;
    private Task? _loop;
    private string _programmedHash = "";
    private bool _disposed;

    public LabDaemon(LabOptions options, ILabClusterSource source, ILabPolicyResolver resolver, PodEnforcerFactory enforcerFactory, ILogger logger)
    {
        _options = options;
        _source = source;
        _resolver = resolver;
        _logger = logger;
        LabId = options.LabId ?? LabNames.NewLabId();
        _topology = new LabTopology(options.Prefix, LabId);
        Store = new LabStateStore(options.StateDirectory);
        ManifestDirectory = Path.GetFullPath(options.ManifestDirectory);
        FlowLogDirectory = options.FlowLogDirectory ?? Path.Combine(options.StateDirectory, "flows");
        BpfRoot = LabNames.BpfRoot(options.Prefix, LabId);
        EnforcerFactory = enforcerFactory;
    }

    public string LabId { get; }

    public string ManifestDirectory { get; }

    public string FlowLogDirectory { get; }

    public string BpfRoot { get; }

    public string NodeNetns => _topology.NodeNetns;

    public LabStateStore Store { get; }

    /// <summary>The enforcer <see cref="StartAsync"/> created.</summary>
    public IPodEnforcer Enforcer => _enforcer ?? throw new InvalidOperationException("the lab's enforcer is created by StartAsync");

    public ILabPolicyResolver Resolver => _resolver;

    public long Generation { get; private set; }

    /// <summary>The cluster as last read from the folder.</summary>
    public LabCluster Cluster { get; private set; } = new([], [], [], []);

    public IReadOnlyList<LabPod> Pods
    {
        get
        {
            lock (_pods)
            {
                return [.. _pods.Values.OrderBy(p => p.Pod)];
            }
        }
    }

    private PodEnforcerFactory EnforcerFactory { get; }

    /// <summary>Builds the node, programs the folder once, then follows changes in the background.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (Store.ReadState() is { } existing && existing.Pid != Environment.ProcessId && Signals.IsAlive(existing.Pid) && Signals.IsLabDaemon(existing.Pid))
        {
            throw new LabException($"a lab ({existing.LabId}, pid {existing.Pid}) already runs with state dir {Store.Directory}; run 'npa lab down' first");
        }

        if (_source is ILabStartedClusterSource started)
        {
            await started.StartAsync(ManifestDirectory, ct);
        }

        if (!Directory.Exists(ManifestDirectory))
        {
            throw new LabException($"manifest folder {ManifestDirectory} does not exist");
        }

        Store.DeleteRecords();
        WriteState();
        _topology.CreateNode();
        Directory.CreateDirectory(FlowLogDirectory);
        try
        {
            _enforcer = EnforcerFactory(new LabEnforcerContext(NodeNetns, BpfRoot, _options.Strict, FlowLogDirectory) { CloudWatch = _options.CloudWatch });
        }
        catch (Exception e) when (e is not LabException)
        {
            LabTeardown.RemoveKernelState(_options.Prefix, LabId, BpfRoot);
            throw new LabException($"the eBPF enforcer could not start: {e.Message} (bpffs must be mounted at /sys/fs/bpf and npa run as root; scripts/setup.sh does both)", e);
        }

        LabLog.NodeReady(_logger, LabId, NodeNetns, Enforcer.Description);
        WriteState();
        await ReconcileAsync(ct);
        _watcher = new FileSystemWatcher(ManifestDirectory)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        _watcher.Created += (_, _) => _changes.Writer.TryWrite(true);
        _watcher.Changed += (_, _) => _changes.Writer.TryWrite(true);
        _watcher.Deleted += (_, _) => _changes.Writer.TryWrite(true);
        _watcher.Renamed += (_, _) => _changes.Writer.TryWrite(true);
        _watcher.EnableRaisingEvents = true;
        _loop = Task.Run(() => FollowAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Asks for a rescan now (the periodic rescan would find the change anyway).</summary>
    public void Poke() => _changes.Writer.TryWrite(true);

    /// <summary>Waits until the folder as it is now has been programmed.</summary>
    public async Task WaitProgrammedAsync(TimeSpan timeout, CancellationToken ct)
    {
        using CancellationTokenSource deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (LabContentHash.Compute(ManifestDirectory) != _programmedHash)
        {
            Poke();
            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new LabException($"the lab did not program {ManifestDirectory} within {timeout.TotalSeconds:0} s");
            }
        }
    }

    private async Task FollowAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            using CancellationTokenSource tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
            tick.CancelAfter(_options.RescanInterval);
            try
            {
                await _changes.Reader.ReadAsync(tick.Token);
                await Task.Delay(100, ct); // let a burst of writes settle
                _changes.Reader.TryRead(out _);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // periodic rescan
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                if (LabContentHash.Compute(ManifestDirectory) != _programmedHash)
                {
                    await ReconcileAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LabLog.ReconcileFailed(_logger, e);
                Store.WriteProgrammed(new LabProgrammedRecord(Generation, _programmedHash, DateTimeOffset.UtcNow, [$"reconcile failed: {e.Message}"]));
            }
        }
    }

    /// <summary>One pass: read the folder, converge pods and listeners, resolve, apply what changed, publish.</summary>
    private async Task ReconcileAsync(CancellationToken ct)
    {
        await _reconcileLock.WaitAsync(ct);
        try
        {
            string hash = LabContentHash.Compute(ManifestDirectory);
            LabCluster cluster = _source.Read(ManifestDirectory);
            List<string> diagnostics = [.. cluster.Diagnostics.Select(d => d.ToString())];
            Dictionary<ObjectRef, PodInfo> desired = [];
            HashSet<IPAddress> taken = [];
            foreach (PodInfo p in cluster.Pods.OrderBy(p => p.Ref))
            {
                if (p.HostNetwork)
                {
                    diagnostics.Add($"Pod {p.Ref}: hostNetwork pods are not started in the lab");
                }
                else if (p.Ips.Count == 0)
                {
                    diagnostics.Add($"Pod {p.Ref}: no status.podIP/podIPs, so the lab cannot start it");
                }
                else if (p.Ips.FirstOrDefault(i => !taken.Add(i)) is { } dup)
                {
                    diagnostics.Add($"Pod {p.Ref}: address {dup} is already used by another pod; not started");
                }
                else
                {
                    desired[p.Ref] = p;
                }
            }

            foreach (string d in diagnostics)
            {
                LabLog.ManifestDiagnostic(_logger, d);
            }

            // Every pod listens on every port any pod declares, so each cell of every probe is a real test.
            List<LabPort> ports = [.. desired.Values.SelectMany(p => p.Ports).Select(p => new LabPort(p.Protocol, p.Port)).Distinct().Order()];
            foreach (ObjectRef gone in _pods.Keys.Where(k => !desired.ContainsKey(k)).ToList())
            {
                await RemovePodAsync(gone);
            }

            foreach (PodInfo p in desired.Values)
            {
                if (_pods.TryGetValue(p.Ref, out LabPod? have) && !have.Ips.SequenceEqual(p.Ips))
                {
                    await RemovePodAsync(p.Ref);
                    have = null;
                }

                IReadOnlyList<LabNamedPort> named = NamedPortsOf(p);
                if (have is null)
                {
                    LabPod created = _topology.AddPod(p.Ref, p.Ips, ports) with { NamedPorts = named };
                    lock (_pods)
                    {
                        _pods[p.Ref] = created;
                    }

                    Enforcer.EnsurePod(created);
                    _listeners[p.Ref] = PodListeners.Start(created);
                    LabLog.PodUp(_logger, p.Ref.ToString(), created.Netns, created.HostVeth, string.Join(",", p.Ips), string.Join(",", ports));
                    WriteState();
                }
                else if (!have.Ports.SequenceEqual(ports))
                {
                    await _listeners[p.Ref].DisposeAsync();
                    LabPod updated = have with { Ports = ports, NamedPorts = named };
                    lock (_pods)
                    {
                        _pods[p.Ref] = updated;
                    }

                    _listeners[p.Ref] = PodListeners.Start(updated);
                }
                else if (!have.NamedPorts.SequenceEqual(named))
                {
                    // Only the names changed: the listeners stay, named probes resolve anew.
                    lock (_pods)
                    {
                        _pods[p.Ref] = have with { NamedPorts = named };
                    }
                }
            }

            int changed = 0;
            Dictionary<ObjectRef, PodPolicy> resolved = _resolver.Resolve(cluster).ToDictionary(p => p.Pod);
            foreach (LabPod pod in _pods.Values)
            {
                PodPolicy policy = resolved.TryGetValue(pod.Pod, out PodPolicy? r) ? r :
                    new PodPolicy(pod.Pod, pod.Ips, DirectionPolicy.Open, DirectionPolicy.Open);
                if (_applied.TryGetValue(pod.Pod, out PodPolicy? before) && before.Equals(policy))
                {
                    continue;
                }

                try
                {
                    Enforcer.Apply(policy);
                    _applied[pod.Pod] = policy;
                    changed++;
                }
                catch (Exception e)
                {
                    LabLog.EnforceFailed(_logger, e, pod.Pod.ToString());
                    diagnostics.Add($"Pod {pod.Pod}: enforcing failed: {e.Message}");
                }
            }

            Cluster = cluster;
            Generation++;
            _programmedHash = hash;
            WriteState();
            Store.WriteProgrammed(new LabProgrammedRecord(Generation, hash, DateTimeOffset.UtcNow, diagnostics));
            LabLog.Programmed(_logger, Generation, _pods.Count, cluster.Policies.Count, changed);
        }
        finally
        {
            _reconcileLock.Release();
        }
    }

    /// <summary>The container ports <paramref name="pod"/> declares under a name, for named probes.</summary>
    private static IReadOnlyList<LabNamedPort> NamedPortsOf(PodInfo pod) =>
        [.. pod.Ports.Where(c => !string.IsNullOrEmpty(c.Name)).Select(c => new LabNamedPort(c.Name!, new LabPort(c.Protocol, c.Port))).Distinct().Order()];

    private async Task RemovePodAsync(ObjectRef pod)
    {
        if (_listeners.Remove(pod, out PodListeners? l))
        {
            await l.DisposeAsync();
        }

        try
        {
            Enforcer.RemovePod(pod);
        }
        catch (Exception e)
        {
            LabLog.EnforceFailed(_logger, e, pod.ToString());
        }

        _applied.Remove(pod);
        LabPod? have;
        lock (_pods)
        {
            _pods.Remove(pod, out have);
        }

        if (have is not null)
        {
            LabTopology.RemovePod(have.Netns);
        }

        LabLog.PodRemoved(_logger, pod.ToString());
        WriteState();
    }

    private void WriteState() =>
        Store.WriteState(new LabStateRecord(
            LabId, _options.Prefix, Environment.ProcessId, ManifestDirectory, NodeNetns, BpfRoot, FlowLogDirectory,
            _enforcer?.Description ?? "not started", [.. Pods.Select(LabPodRecord.From)]));

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync();
        _watcher?.Dispose();
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception)
            {
                // The loop's own failures were logged; teardown goes on.
            }
        }

        if (_source is IAsyncDisposable source)
        {
            await source.DisposeAsync();
        }

        foreach (PodListeners l in _listeners.Values)
        {
            await l.DisposeAsync();
        }

        _listeners.Clear();
        try
        {
            _enforcer?.Dispose();
        }
        finally
        {
            IReadOnlyList<string> removed = LabTeardown.RemoveKernelState(_options.Prefix, LabId, BpfRoot);
            Store.Delete();
            LabLog.TornDown(_logger, LabId, string.Join(", ", removed));
            _stop.Dispose();
        }
    }
}
