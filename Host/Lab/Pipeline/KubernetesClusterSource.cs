using System.Text.Json;
using System.Threading.Channels;
using k8s;
using Microsoft.Extensions.Logging;
using Npa.Ingest.Kubernetes;
using Npa.Resolver.Events;
using Npa.Resolver.Model;

namespace Npa.Host.Lab.Pipeline;

/// <summary>
/// A cluster source the daemon has to start before the first read (and dispose with the lab).
/// <see cref="StartAsync"/> gets the folder the daemon follows; the source keeps in it a file whose
/// content changes whenever the source's view changes, so the daemon's folder hash and
/// <c>lab probe</c>'s wait work as for a manifest folder.
/// </summary>
public interface ILabStartedClusterSource : ILabClusterSource, IAsyncDisposable
{
    /// <summary>Text for status output, e.g. "API server https://10.0.0.1:6443 (kubeconfig ~/.kube/config)".</summary>
    string Description { get; }

    /// <summary>Connects and returns once the first full view is held; throws <see cref="LabException"/> when it cannot.</summary>
    Task StartAsync(string directory, CancellationToken ct);
}

/// <summary>
/// The lab's cluster from a real API server: the project's Kubernetes source lists and watches
/// Namespaces, Pods, NetworkPolicies and Services with the kubeconfig's credentials, and its domain
/// events are folded into the snapshot <see cref="Read"/> returns. Every applied batch of events
/// bumps a version written to <c>DIR/observed.json</c>; the daemon programs a snapshot at least as
/// new as the version it hashed, so a programmed hash means "everything observed so far is enforced".
/// </summary>
public sealed class KubernetesClusterSource : ILabStartedClusterSource
{
    public const string ObservedFile = "observed.json";

    private readonly string _kubeconfig;
    private readonly ILogger _logger;
    private readonly TimeSpan _readyTimeout;
    private readonly InformerOptions? _informerOptions;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, NamespaceInfo> _namespaces = new(StringComparer.Ordinal);
    private readonly SortedDictionary<ObjectRef, PodInfo> _pods = [];
    private readonly SortedDictionary<ObjectRef, NetworkPolicySpec> _policies = [];
    private readonly SortedDictionary<ObjectRef, ServiceInfo> _services = [];
    private readonly Dictionary<(ResourceKind, ObjectRef), IReadOnlyList<Diagnostic>> _rejected = [];
    private readonly HashSet<ResourceKind> _synced = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private RunningSource? _source;
    private Task? _pump;
    private string _directory = "";
    private string _server = "";
    private long _version;
    private string _resourceVersion = "";

    public KubernetesClusterSource(string kubeconfigPath, ILogger logger, TimeSpan? readyTimeout = null, InformerOptions? informerOptions = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kubeconfigPath);
        _kubeconfig = Path.GetFullPath(kubeconfigPath);
        _logger = logger;
        _readyTimeout = readyTimeout ?? TimeSpan.FromSeconds(30);
        _informerOptions = informerOptions;
    }

    public string KubeconfigPath => _kubeconfig;

    public string Description => $"API server {_server} (kubeconfig {_kubeconfig})";

    /// <summary>How many batches of events have been applied.</summary>
    public long Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    public async Task StartAsync(string directory, CancellationToken ct)
    {
        k8s.Kubernetes client = CreateClient();
        _directory = directory;
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        WriteObserved();
        Channel<ClusterEvent> events = Channel.CreateBounded<ClusterEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        _source = KubernetesSource.Start(client, SourceScope.Standalone, events.Writer, _stop.Token, new SingleLoggerFactory(_logger), _informerOptions, ownsClient: true);
        _pump = Task.Run(() => PumpAsync(events.Reader, _stop.Token), CancellationToken.None);
        KubernetesLabLog.Connecting(_logger, _server, _kubeconfig);
        try
        {
            await _ready.Task.WaitAsync(_readyTimeout, ct);
        }
        catch (TimeoutException)
        {
            throw new LabException(
                $"the API server {_server} (kubeconfig {_kubeconfig}) did not answer the lists of Namespaces, Pods, NetworkPolicies and Services within {_readyTimeout.TotalSeconds:0} s; " +
                $"is it reachable, and may these credentials list them? (listed so far: {string.Join(", ", SyncedKinds())})");
        }

        KubernetesLabLog.Synced(_logger, _server, Read(directory).Pods.Count, Version);
    }

    public LabCluster Read(string directory)
    {
        lock (_gate)
        {
            return new LabCluster(
                [.. _namespaces.Values], [.. _pods.Values], [.. _policies.Values],
                [.. _rejected.OrderBy(r => r.Key.Item2).SelectMany(r => r.Value)])
            {
                Services = [.. _services.Values],
            };
        }
    }

    private k8s.Kubernetes CreateClient()
    {
        if (!File.Exists(_kubeconfig))
        {
            throw new LabException($"kubeconfig {_kubeconfig} does not exist");
        }

        try
        {
            using FileStream probe = File.OpenRead(_kubeconfig);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LabException($"kubeconfig {_kubeconfig} cannot be read: {e.Message}", e);
        }

        KubernetesClientConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(_kubeconfig);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new LabException($"kubeconfig {_kubeconfig} is not usable: {e.Message}", e);
        }

        _server = config.Host ?? "(no server)";
        try
        {
            return new k8s.Kubernetes(config);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new LabException($"kubeconfig {_kubeconfig}: cannot build a client for {_server}: {e.Message}", e);
        }
    }

    private async Task PumpAsync(ChannelReader<ClusterEvent> reader, CancellationToken ct)
    {
        try
        {
            while (await reader.WaitToReadAsync(ct))
            {
                bool ready;
                lock (_gate)
                {
                    while (reader.TryRead(out ClusterEvent? e))
                    {
                        Apply(e);
                    }

                    _version++;
                    ready = _synced.Count == SourceScope.Standalone.Kinds.Count;
                }

                WriteObserved();
                if (ready)
                {
                    _ready.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            KubernetesLabLog.PumpFailed(_logger, e);
            _ready.TrySetException(new LabException($"reading the API server's events failed: {e.Message}", e));
        }
    }

    private void Apply(ClusterEvent e)
    {
        if (!string.IsNullOrEmpty(e.ResourceVersion))
        {
            _resourceVersion = e.ResourceVersion;
        }

        switch (e)
        {
            case NamespaceUpserted n:
                _namespaces[n.Namespace.Name] = n.Namespace;
                _rejected.Remove((ResourceKind.Namespace, new ObjectRef("", n.Namespace.Name)));
                break;
            case NamespaceDeleted n:
                _namespaces.Remove(n.Name);
                _rejected.Remove((ResourceKind.Namespace, new ObjectRef("", n.Name)));
                break;
            case PodUpserted p:
                _pods[p.Pod.Ref] = p.Pod;
                _rejected.Remove((ResourceKind.Pod, p.Pod.Ref));
                break;
            case PodDeleted p:
                _pods.Remove(p.Pod);
                _rejected.Remove((ResourceKind.Pod, p.Pod));
                break;
            case PolicyUpserted p:
                _policies[p.Policy.Ref] = p.Policy;
                _rejected.Remove((ResourceKind.NetworkPolicy, p.Policy.Ref));
                break;
            case PolicyDeleted p:
                _policies.Remove(p.Policy);
                _rejected.Remove((ResourceKind.NetworkPolicy, p.Policy));
                break;
            case ServiceUpserted s:
                _services[s.Service.Ref] = s.Service;
                _rejected.Remove((ResourceKind.Service, s.Service.Ref));
                break;
            case ServiceDeleted s:
                _services.Remove(s.Service);
                _rejected.Remove((ResourceKind.Service, s.Service));
                break;
            case ObjectRejected r:
                _rejected[(r.RejectedKind, r.Object)] = r.Diagnostics;
                break;
            case SourceSynced s:
                _synced.Add(s.SyncedKind);
                break;
        }
    }

    private IReadOnlyList<ResourceKind> SyncedKinds()
    {
        lock (_gate)
        {
            return [.. _synced.Order()];
        }
    }

    /// <summary>Publishes the current version (write to a temp name, then rename: readers never see half a file).</summary>
    private void WriteObserved()
    {
        string body;
        lock (_gate)
        {
            body = JsonSerializer.Serialize(new { server = _server, version = _version, resourceVersion = _resourceVersion });
        }

        if (!Directory.Exists(_directory))
        {
            return; // torn down
        }

        string path = Path.Combine(_directory, ObservedFile);
        string tmp = path + ".tmp";
        try
        {
            File.WriteAllText(tmp, body);
            File.Move(tmp, path, overwrite: true);
        }
        catch (DirectoryNotFoundException)
        {
            // The lab is being torn down: nobody waits for this version any more.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }

        if (_pump is not null)
        {
            await _pump.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _ready.TrySetCanceled();
        _stop.Dispose();
    }

    /// <summary>Hands the lab's logger to the informers.</summary>
    private sealed class SingleLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>Log messages of the lab's Kubernetes source (EventIds 7050-7059).</summary>
internal static partial class KubernetesLabLog
{
    [LoggerMessage(7050, LogLevel.Information, "Listing and watching the API server {Server} (kubeconfig {Kubeconfig})")]
    public static partial void Connecting(ILogger logger, string server, string kubeconfig);

    [LoggerMessage(7051, LogLevel.Information, "API server {Server} listed: {Pods} pods; observed version {Version}")]
    public static partial void Synced(ILogger logger, string server, int pods, long version);

    [LoggerMessage(7052, LogLevel.Error, "Reading the API server's events failed; the lab no longer follows the cluster")]
    public static partial void PumpFailed(ILogger logger, Exception exception);
}
