using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Enforcer;
using Npa.Host.Channels;
using Npa.Host.Daemons;
using Npa.Host.Lab.Kernel;
using Npa.Host.Lab.Output;
using Npa.Host.Options;
using Npa.Host.Stages;
using Npa.Ingest.Kubernetes;
using Npa.Resolver.Events;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;
using EnforcingMode = Npa.Enforcer.EnforcingMode;

namespace Npa.Host.Lab;

/// <summary>
/// A running lab: the node namespace, one namespace per pod with its listeners, and for the node the
/// agent's own pipeline (<see cref="AgentHost.AddPipeline"/>: source → ingest/journal → resolve → diff
/// → enforce, and flow logs) with <see cref="NodePodEnforcer"/> on the node namespace's host veths,
/// pinned under the lab's bpffs root. The agent's event source is the manifest folder
/// (<see cref="ManifestFolderSource"/>) or the API server of a kubeconfig, seen through
/// <see cref="LabNodeSource"/>, which builds each pod's namespace and veth before the pod's event
/// reaches the pipeline, as the CNI plugin does on a node. Once the enforcer holds what the events
/// say, the lab publishes the content hash and a generation in the state dir, so <c>lab probe</c> can
/// wait for it. Disposing tears everything down.
/// </summary>
public sealed class LabDaemon : IAsyncDisposable
{
    private const string FlowLogFile = "network-policy-agent.log";
    private const string ObservedFile = "observed.json";
    private static readonly TimeSpan ProgrammingTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FolderReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly LabOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly LabTopology _topology;

    private readonly LabNodePods _pods;

    /// <summary>Held while an event is placed (pod built, watching resolver told), so a snapshot sees both or neither.</summary>
    private readonly SemaphoreSlim _placing = new(1, 1);
    private IReadOnlyList<LabPod> _publishedPods = [];

    /// <summary>
    /// The agent's resolver fed the same events as the agent (lock on it): what the node's enforcer is to
    /// hold, and the cluster for the expected matrix. It only watches; the agent's own instance enforces.
    /// </summary>
    private readonly ClusterEventResolver _expected;

    /// <summary>The watching resolver's cluster as of the last published generation (what <see cref="Expect"/> judges by).</summary>
    private ResolvedCluster _published = new(new Dictionary<ObjectRef, PodInfo>(), new Dictionary<ObjectRef, PodPolicy>());
    private readonly HashSet<ResourceKind> _listed = [];
    private readonly Channel<bool> _publish = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly TaskCompletionSource _firstPublished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private IClusterEventSource? _source;
    private ManifestFolderSource? _folder;
    private k8s.Kubernetes? _client;
    private string _server = "";
    private IHost? _agent;
    private NodeEnforcer? _node;
    private PipelineChannels? _channels;
    private Task? _publisher;
    private long _handedOn;
    private long _observedVersion = -1;
    private string _programmedHash = "";
    private bool _disposed;

    public LabDaemon(LabOptions options, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options;
        _loggers = loggers;
        _logger = loggers.CreateLogger("Npa.Host.Lab");
        LabId = options.LabId ?? LabNames.NewLabId();
        _topology = new LabTopology(options.Prefix, LabId);
        _expected = new ClusterEventResolver(_topology.NodeNetns);
        _pods = new LabNodePods(_topology, options.Strict ? EnforcingMode.Strict : EnforcingMode.Standard, _logger);
        Store = new LabStateStore(options.StateDirectory);
        ManifestDirectory = Path.GetFullPath(options.ManifestDirectory);
        FlowLogDirectory = options.FlowLogDirectory ?? Path.Combine(options.StateDirectory, "flows");
        BpfRoot = LabNames.BpfRoot(options.Prefix, LabId);
    }

    public string LabId { get; }

    public string ManifestDirectory { get; }

    public string FlowLogDirectory { get; }

    public string BpfRoot { get; }

    public string NodeNetns => _topology.NodeNetns;

    public LabStateStore Store { get; }

    public long Generation { get; private set; }

    /// <summary>What enforces, for status output: always the agent's eBPF enforcer, and where its flow logs go.</summary>
    public string EnforcerDescription =>
        $"eBPF (the agent's NodePodEnforcer; pins {BpfRoot}; flow logs {Path.Combine(FlowLogDirectory, FlowLogFile)}" +
        (_options.CloudWatch?.Target(NodeNetns) is { } cw ? $" and CloudWatch Logs {cw.LogGroup} / {cw.LogStream} at {cw.Endpoint})" : ")");

    /// <summary>The pods built, as of the last published generation (what <c>lab probe</c> and <see cref="Expect"/> see).</summary>
    public IReadOnlyList<LabPod> Pods => Volatile.Read(ref _publishedPods);

    /// <summary>Every pod of the cluster (built or not) as of the last published generation.</summary>
    public IReadOnlyList<PodInfo> ClusterPods => [.. Volatile.Read(ref _published).Pods.Values.OrderBy(p => p.Ref)];

    /// <summary>Builds the node, starts the agent on it and returns once the source's first lists are enforced.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (Store.ReadState() is { } existing && existing.Pid != Environment.ProcessId && Signals.IsAlive(existing.Pid) && Signals.IsLabDaemon(existing.Pid))
        {
            throw new LabException($"a lab ({existing.LabId}, pid {existing.Pid}) already runs with state dir {Store.Directory}; run 'npa lab down' first");
        }

        if (_options.Kubeconfig is { } kubeconfig)
        {
            (_client, _server) = LabKubeconfig.Open(kubeconfig);
            if (Directory.Exists(ManifestDirectory))
            {
                Directory.Delete(ManifestDirectory, recursive: true);
            }

            Directory.CreateDirectory(ManifestDirectory);
            _source = new KubernetesEventSource(null, SourceScope.Standalone, _loggers, _client);
        }
        else if (!Directory.Exists(ManifestDirectory))
        {
            throw new LabException($"manifest folder {ManifestDirectory} does not exist");
        }
        else
        {
            _folder = new ManifestFolderSource(ManifestDirectory, _options.RescanInterval);
            _folder.Read += _ => _publish.Writer.TryWrite(true);
            _source = _folder;
        }

        Store.DeleteRecords();
        _topology.CreateNode();
        Directory.CreateDirectory(FlowLogDirectory);
        string journal = Path.Combine(Path.GetFullPath(Store.Directory), "journal");
        if (Directory.Exists(journal))
        {
            Directory.Delete(journal, recursive: true); // a lab starts from its source, not from a previous run
        }

        _agent = BuildAgent(journal);
        try
        {
            _node = _agent.Services.GetRequiredService<NodeEnforcer>();
            _channels = _agent.Services.GetRequiredService<PipelineChannels>();
            _pods.Enforcer = _agent.Services.GetRequiredService<IPodEnforcer>();
        }
        catch (Exception e) when (e is not LabException)
        {
            throw new LabException($"the eBPF enforcer could not start: {e.Message} (bpffs must be mounted at /sys/fs/bpf and npa run as root; scripts/setup.sh does both)", e);
        }

        WriteState();
        LabLog.NodeReady(_logger, LabId, NodeNetns, EnforcerDescription);
        _publisher = Task.Run(() => PublishAsync(_stop.Token), CancellationToken.None);
        await _agent.StartAsync(ct);
        TimeSpan ready = _client is null ? FolderReadyTimeout : _options.ApiReadyTimeout;
        try
        {
            await _firstPublished.Task.WaitAsync(ready, ct);
        }
        catch (TimeoutException) when (_client is not null)
        {
            throw new LabException(
                $"the API server {_server} (kubeconfig {_options.Kubeconfig}) did not answer the lists of Namespaces, Pods, NetworkPolicies and Services within {ready.TotalSeconds:0} s; " +
                $"is it reachable, and may these credentials list them? (listed so far: {string.Join(", ", Listed())})");
        }
        catch (TimeoutException)
        {
            throw new LabException($"the lab did not program {ManifestDirectory} within {ready.TotalSeconds:0} s");
        }
    }

    /// <summary>Asks the folder source for a read now (its rescan would find the change anyway).</summary>
    public void Poke() => _folder?.Poke();

    /// <summary>Waits until the folder as it is now has been programmed.</summary>
    public async Task WaitProgrammedAsync(TimeSpan timeout, CancellationToken ct)
    {
        using CancellationTokenSource deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (LabContentHash.Compute(ManifestDirectory) != Volatile.Read(ref _programmedHash))
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

    /// <summary>
    /// The matrix the policies of the last published generation call for between the pods the lab built,
    /// one per probe, each evaluated as the <see cref="Probe"/> <c>npa matrix</c> takes. A named probe to a
    /// destination that declares no such port is null, as the lab reports it: it cannot be probed.
    /// </summary>
    public ConnectivityReport Expect(IReadOnlyList<LabProbe> probes, IpFamily family = IpFamily.Any)
    {
        ArgumentNullException.ThrowIfNull(probes);
        ResolvedCluster resolved = Volatile.Read(ref _published);
        List<ObjectRef> pods = [.. Pods.Select(p => p.Pod).Where(resolved.Pods.ContainsKey)];
        List<ConnectivityProbe> result = [];
        foreach (LabProbe labProbe in probes)
        {
            Probe probe = labProbe.ToResolverProbe();
            result.Add(ConnectivityReport.Build(labProbe, pods, (from, to) =>
            {
                if (from == to)
                {
                    return true;
                }

                if (probe.PortName is { } name && NamedPortResolver.Resolve(resolved.Pods[to], name, probe.Protocol).Count == 0)
                {
                    return null;
                }

                ConnectionVerdict verdict = VerdictEvaluator.Evaluate(resolved, from, to, probe, family);
                return verdict.FromIp is null ? null : verdict.Allowed; // no address of the family on both: not probed either
            }));
        }

        return new ConnectivityReport(result, []);
    }

    private IHost BuildAgent(string journal)
    {
        AgentOptions agent = new()
        {
            EnableNetworkPolicy = true,
            EnablePolicyEventLogs = true,
            EnableCloudWatchLogs = _options.CloudWatch is not null,
            ClusterName = _options.CloudWatch?.ClusterName ?? "",
            LogLevel = "debug", // the flow-log stage writes ACCEPT lines at debug, as the EKS agent does; the lab wants them
            LogFile = Path.Combine(FlowLogDirectory, FlowLogFile),
            NodeName = NodeNetns,
            JournalDir = journal,
            BpffsRoot = BpfRoot,
            PolicySource = PolicySource.NetworkPolicies,
            EnforcingModeText = _options.Strict ? "strict" : "standard",
            ConntrackCacheTableSize = 65536,
            Kubeconfig = _options.Kubeconfig,
        };
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(_loggers);
        builder.Services.AddSingleton<IHostLifetime, LabAgentLifetime>();
        AgentHost.AddPipeline(builder.Services, agent, new AgentHostOverrides
        {
            Source = new LabNodeSource(_source!, PlaceAsync, CaughtUp),
            HostVethNetns = NetNamespace.PathOf(NodeNetns),
            Environment = _options.CloudWatch?.Environment,
            AwsCredentials = _options.CloudWatch?.Credentials,
        });
        return builder.Build();
    }

    /// <summary>On the way from the source to the pipeline: builds or removes the pod, then lets the watching resolver see the event.</summary>
    private async ValueTask<ClusterEvent> PlaceAsync(ClusterEvent e, CancellationToken ct)
    {
        await _placing.WaitAsync(ct);
        try
        {
            return await PlaceLockedAsync(e);
        }
        finally
        {
            _placing.Release();
        }
    }

    private async Task<ClusterEvent> PlaceLockedAsync(ClusterEvent e)
    {
        ClusterEvent placed = e;
        switch (e)
        {
            case PodUpserted upserted:
                placed = upserted with { Pod = await _pods.PlaceAsync(upserted.Pod) };
                break;
            case PodDeleted deleted:
                try
                {
                    await _pods.RemoveAsync(deleted.Pod);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LabLog.PodRemovalFailed(_logger, ex, deleted.Pod.ToString()); // the event still goes on: the agent forgets the pod
                }

                break;
            case SourceSynced synced:
                lock (_listed)
                {
                    _listed.Add(synced.SyncedKind);
                }

                break;
        }

        lock (_expected)
        {
            _expected.Apply(placed);
        }

        return placed;
    }

    private void CaughtUp(long handedOn)
    {
        Volatile.Write(ref _handedOn, handedOn);
        _publish.Writer.TryWrite(true);
    }

    /// <summary>
    /// After the source's first lists, whenever everything it wrote has been handed on: waits until the
    /// enforcer holds what the watching resolver says, then publishes the generation and content hash
    /// (of the folder, or of the file recording how many events the API server sent).
    /// </summary>
    private async Task PublishAsync(CancellationToken ct)
    {
        try
        {
            await foreach (bool _ in _publish.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await PublishOnceAsync(ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LabLog.PublishFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Torn down.
        }
    }

    private async Task PublishOnceAsync(CancellationToken ct)
    {
        long handedOn = Volatile.Read(ref _handedOn);
        if (!_source!.FirstListKinds.All(Listed().Contains))
        {
            return;
        }

        string hash;
        IReadOnlyList<string> diagnostics = [];
        if (_folder is not null)
        {
            FolderRead read = _folder.LastRead;
            if (handedOn < read.EventsWritten || read.ContentHash == _programmedHash)
            {
                return;
            }

            hash = read.ContentHash;
            diagnostics = read.Diagnostics;
        }
        else
        {
            if (handedOn == _observedVersion)
            {
                return;
            }

            _observedVersion = handedOn;
            WriteObserved(handedOn);
            hash = LabContentHash.Compute(ManifestDirectory);
        }

        (IReadOnlyList<ObjectRef> pending, ResolvedCluster cluster, IReadOnlyList<LabPod> pods) = await WaitForEnforcerAsync(ct);
        List<string> published = [.. diagnostics];
        published.AddRange(_pods.Unstarted);
        published.AddRange(pending.Select(p => $"Pod {p}: not programmed within {ProgrammingTimeout.TotalSeconds:0} s (see the log)"));
        foreach (string d in diagnostics)
        {
            LabLog.ManifestDiagnostic(_logger, d);
        }

        Generation++;
        Volatile.Write(ref _published, cluster);
        Volatile.Write(ref _publishedPods, pods);
        Volatile.Write(ref _programmedHash, hash);
        WriteState();
        Store.WriteProgrammed(new LabProgrammedRecord(Generation, hash, DateTimeOffset.UtcNow, published));
        LabLog.Programmed(_logger, Generation, Pods.Count, pending.Count);
        _firstPublished.TrySetResult();
    }

    /// <summary>
    /// Waits at most <see cref="ProgrammingTimeout"/> for the enforcer to hold what the watching resolver
    /// wants; returns the pods that still differ and the cluster the comparison was made for.
    /// </summary>
    private async Task<(IReadOnlyList<ObjectRef> Pending, ResolvedCluster Cluster, IReadOnlyList<LabPod> Pods)> WaitForEnforcerAsync(CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        while (true)
        {
            (IReadOnlyList<ObjectRef> pending, ResolvedCluster cluster, IReadOnlyList<LabPod> pods) = await CompareAsync(ct);
            // Also until the flow-log stage has taken the enforce stage's last signal, so lines name the pods.
            bool lookupsTaken = _channels!.Programmed.Reader.Count == 0;
            if ((pending.Count == 0 && lookupsTaken) || Stopwatch.GetElapsedTime(started) > ProgrammingTimeout)
            {
                return (pending, cluster, pods);
            }

            await Task.Delay(20, ct);
        }
    }

    private async Task<(IReadOnlyList<ObjectRef> Pending, ResolvedCluster Cluster, IReadOnlyList<LabPod> Pods)> CompareAsync(CancellationToken ct)
    {
        Dictionary<ObjectRef, PodPolicy> desired;
        ResolvedCluster cluster;
        IReadOnlyList<LabPod> pods;
        await _placing.WaitAsync(ct);
        try
        {
            pods = _pods.Pods;
            lock (_expected)
            {
                desired = new Dictionary<ObjectRef, PodPolicy>(_expected.Desired);
                ResolvedCluster live = _expected.State.Result;
                cluster = new ResolvedCluster(live.Pods.ToDictionary(), live.PodPolicies.ToDictionary());
            }
        }
        finally
        {
            _placing.Release();
        }

        Dictionary<ObjectRef, PodPolicy?> programmed = _node!.Pods().GroupBy(p => p.Pod.Ref).ToDictionary(g => g.Key, g => g.Last().Policy);
        List<ObjectRef> pending =
        [
            .. desired.Where(d => !programmed.TryGetValue(d.Key, out PodPolicy? p) || !d.Value.Equals(p)).Select(d => d.Key)
                .Concat(programmed.Where(p => p.Value is not null && !desired.ContainsKey(p.Key)).Select(p => p.Key))
                .Order(),
        ];
        return (pending, cluster, pods);
    }

    private List<ResourceKind> Listed()
    {
        lock (_listed)
        {
            return [.. _listed.Order()];
        }
    }

    /// <summary>Records how many events of the API server the lab has handed on (written whole, then renamed).</summary>
    private void WriteObserved(long version)
    {
        string path = Path.Combine(ManifestDirectory, ObservedFile);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(new { server = _server, version }));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private void WriteState() =>
        Store.WriteState(new LabStateRecord(
            LabId, _options.Prefix, Environment.ProcessId, ManifestDirectory, NodeNetns, BpfRoot, FlowLogDirectory,
            EnforcerDescription, [.. Pods.Select(LabPodRecord.From)]));

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync();
        if (_publisher is not null)
        {
            await _publisher.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        try
        {
            if (_agent is not null)
            {
                using CancellationTokenSource stopping = new(TimeSpan.FromSeconds(15));
                await _agent.StopAsync(stopping.Token);
            }
        }
        catch (Exception e)
        {
            LabLog.AgentStopFailed(_logger, e); // teardown goes on
        }
        finally
        {
            _agent?.Dispose();
            _client?.Dispose();
            await _pods.DisposeAsync();
            _placing.Dispose();
            IReadOnlyList<string> removed = LabTeardown.RemoveKernelState(_options.Prefix, LabId, BpfRoot);
            Store.Delete();
            LabLog.TornDown(_logger, LabId, string.Join(", ", removed));
            _stop.Dispose();
        }
    }

    /// <summary>The lab stops its agent itself when it is torn down: the agent takes none of the process's signals.</summary>
    private sealed class LabAgentLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
