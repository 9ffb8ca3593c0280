using Microsoft.Extensions.Logging;
using Npa.Enforcer;
using Npa.FlowLogs.Aggregation;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Decoding;
using Npa.FlowLogs.Enrichment;
using Npa.FlowLogs.Files;
using Npa.FlowLogs.Formatting;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Reading;
using Npa.FlowLogs.Records;
using Npa.Host.Lab.Kernel;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Host.Lab.Pipeline;

/// <summary>
/// The project's eBPF enforcer on the lab's host veths (in the node namespace), pinned under the lab's
/// own bpffs root, with the flow-log pipeline writing JSON lines into the lab's flow-log directory.
/// </summary>
public sealed class EbpfPodEnforcer : IPodEnforcer
{
    private const string FlowLogFile = "network-policy-agent.log";

    private readonly LabEnforcerContext _context;
    private readonly NodeEnforcer _node;
    private readonly Dictionary<ObjectRef, PodKey> _keys = [];
    private readonly Dictionary<ObjectRef, LabPod> _pods = [];
    private readonly Dictionary<ObjectRef, PodPolicy> _policies = [];
    private readonly FlowLookupTable _lookups = new();
    private readonly RingBufferReader? _reader;
    private readonly FlowLogFileWriter? _writer;
    private readonly HttpClient? _http;
    private readonly CloudWatchShipper? _shipper;
    private readonly Stages.FlowLogCloudWatchTarget? _cloudWatchTarget;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task? _flowLogs;
    private readonly string? _flowLogProblem;

    public EbpfPodEnforcer(LabEnforcerContext context, ILogger logger)
    {
        _context = context;
        _node = NodeEnforcer.Open(new EnforcerOptions { BpffsRoot = context.BpfRoot, ConntrackEntries = 65536 }, logger);
        try
        {
            FlowLogCounters counters = new();
            _writer = new FlowLogFileWriter(new FlowLogFileOptions { Directory = context.FlowLogDirectory, FileName = FlowLogFile }, counters, null, logger);
            _reader = new RingBufferReader(
                new RingBufferReaderOptions { PinPath = Path.Combine(context.BpfRoot, "maps", "npa_events_v1") },
                new VerdictEventDecoder(MonotonicClock.OffsetToUnixNs(TimeProvider.System)), counters, logger);
            if (context.CloudWatch is { } cloudWatch)
            {
                _http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                _cloudWatchTarget = cloudWatch.Target(context.NodeNetns);
                _shipper = _cloudWatchTarget.CreateShipper(_http, cloudWatch.Credentials, counters, TimeProvider.System, logger);
                _shipper.Start();
            }

            FlowLogPipeline pipeline = new(new FlowRecordEnricher(_lookups, new Stages.EnforcerRuleLookup(_node), _lookups),
                new FlowAggregator(new FlowAggregatorOptions { LogAccept = true, Window = TimeSpan.FromSeconds(2) }, TimeProvider.System, counters),
                new FlowLogFormatter(context.NodeNetns), _writer, _shipper, counters);
            _reader.Start();
            _flowLogs = Task.Run(() => pipeline.RunAsync(_reader.Records, _stop.Token));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            _flowLogProblem = e.Message;
        }
    }

    public string Description => _flowLogProblem is null
        ? $"eBPF (pins {_context.BpfRoot}; flow logs {_context.FlowLogDirectory}{(_cloudWatchTarget is { } cw ? $" and CloudWatch Logs {cw.LogGroup} / {cw.LogStream} at {cw.Endpoint}" : "")})"
        : $"eBPF (pins {_context.BpfRoot}; no flow logs: {_flowLogProblem})";

    public bool Enforces => true;

    public string? FlowLogProblem => _flowLogProblem;

    public void EnsurePod(LabPod pod)
    {
        PodKey key = new(pod.Pod.Namespace, pod.Pod.Name, "lab");
        _node.EnsurePod(key, new PodAttachment(pod.HostVeth, NetNamespace.PathOf(_context.NodeNetns)),
            _context.Strict ? EnforcingMode.Strict : EnforcingMode.Standard);
        lock (_keys)
        {
            _keys[pod.Pod] = key;
            _pods[pod.Pod] = pod;
            PublishLookups();
        }
    }

    public void Apply(PodPolicy policy)
    {
        PodKey key;
        lock (_keys)
        {
            key = _keys.GetValueOrDefault(policy.Pod) ?? throw new InvalidOperationException($"pod {policy.Pod} was not ensured");
        }

        _node.Apply(key, policy);
        lock (_keys)
        {
            _policies[policy.Pod] = policy;
            PublishLookups();
        }
    }

    public void RemovePod(ObjectRef pod)
    {
        PodKey? key;
        lock (_keys)
        {
            _keys.Remove(pod, out key);
            _pods.Remove(pod);
            _policies.Remove(pod);
            PublishLookups();
        }

        if (key is not null)
        {
            _node.RemovePod(key);
        }
    }

    /// <summary>Pods by address and, per pod and direction, the policies isolating it (named in DENY lines).</summary>
    private void PublishLookups()
    {
        _lookups.Publish(
            _pods.Values.SelectMany(p => p.Ips.Select(ip => KeyValuePair.Create(FlowAddress.FromIPAddress(ip), new PodIdentity(p.Pod.Namespace, p.Pod.Name)))),
            [],
            _policies.Values.SelectMany(p => new[] { Direction.Ingress, Direction.Egress }
                .Where(d => p[d].Isolated)
                .Select(d => KeyValuePair.Create(
                    (new PodIdentity(p.Pod.Namespace, p.Pod.Name), d),
                    (IReadOnlyList<string>)[.. p[d].IsolatingPolicies.Select(r => r.ToString())]))));
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _reader?.Dispose();
            _flowLogs?.Wait(TimeSpan.FromSeconds(5));
            _writer?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            _shipper?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10)); // sends what it holds (up to its drain timeout)
        }
        catch (AggregateException)
        {
            // Flow logs end with the lab; their errors no longer matter.
        }

        foreach (PodKey key in _keys.Values)
        {
            _node.RemovePod(key);
        }

        _node.Dispose();
        NodeEnforcer.DeleteRoot(_context.BpfRoot);
        _http?.Dispose();
        _stop.Dispose();
    }
}
