using Microsoft.Extensions.Logging;
using Npa.Enforcer.Native;
using Npa.Host.Lab.Kernel;
using Npa.Host.Lab.Traffic;
using Npa.Host.Stages;
using Npa.Resolver.Model;
using EnforcingMode = Npa.Enforcer.EnforcingMode;

namespace Npa.Host.Lab;

/// <summary>
/// The pods of the lab's node, as a CNI plugin and kubelet would make them: per pod a namespace, a veth
/// to the node namespace with routes, listeners on every port any pod declares, and the enforcer
/// attached (<see cref="IPodEnforcer.EnsurePod"/>) before the pipeline hears of the pod; on removal the
/// enforcer is detached (<see cref="IPodEnforcer.RemovePod"/>) and the namespace deleted. Called only
/// from the source's pump; <see cref="Pods"/> and <see cref="Unstarted"/> may be read from any thread.
/// </summary>
internal sealed class LabNodePods(LabTopology topology, EnforcingMode mode, ILogger logger) : IAsyncDisposable
{
    private readonly LabTopology _topology = topology;
    private readonly EnforcingMode _mode = mode;
    private readonly ILogger _logger = logger;

    /// <summary>Pods built and the reasons others were not (lock on _pods).</summary>
    private readonly Dictionary<ObjectRef, LabPod> _pods = [];
    private readonly Dictionary<ObjectRef, string> _unstarted = [];

    /// <summary>Listeners and declared ports of the built pods (the pump's alone).</summary>
    private readonly Dictionary<ObjectRef, PodListeners> _listeners = [];
    private readonly Dictionary<ObjectRef, IReadOnlyList<LabPort>> _declared = [];

    /// <summary>The agent's enforcer; set once the agent is built, before its source runs.</summary>
    public IPodEnforcer? Enforcer { get; set; }

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

    /// <summary>Why pods of the cluster were not started, one line each.</summary>
    public IReadOnlyList<string> Unstarted
    {
        get
        {
            lock (_pods)
            {
                return [.. _unstarted.OrderBy(u => u.Key).Select(u => u.Value)];
            }
        }
    }

    /// <summary>
    /// Builds (or rebuilds, when its addresses changed) the pod's namespace, veth and listeners and
    /// attaches the enforcer, as a CNI ADD does; returns the pod placed on this node. A pod the lab cannot
    /// build is returned on no node, so the agent does not enforce it, and the reason is published.
    /// </summary>
    public async Task<PodInfo> PlaceAsync(PodInfo pod)
    {
        string? problem =
            pod.HostNetwork ? $"Pod {pod.Ref}: hostNetwork pods are not started in the lab" :
            pod.Ips.Count == 0 ? $"Pod {pod.Ref}: no status.podIP/podIPs, so the lab cannot start it" :
            pod.Ips.FirstOrDefault(ip => Pods.Any(p => p.Pod != pod.Ref && p.Ips.Contains(ip))) is { } taken ? $"Pod {pod.Ref}: address {taken} is already used by another pod; not started" :
            null;
        if (problem is null)
        {
            try
            {
                await BuildPodAsync(pod);
                return pod with { NodeName = _topology.NodeNetns };
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                problem = $"Pod {pod.Ref}: could not be built: {e.Message}";
            }
        }

        LabLog.ManifestDiagnostic(_logger, problem);
        try
        {
            await RemoveAsync(pod.Ref, problem);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LabLog.PodRemovalFailed(_logger, e, pod.Ref.ToString());
        }

        return pod with { NodeName = null };
    }

    private async Task BuildPodAsync(PodInfo pod)
    {
        LabPod? have;
        lock (_pods)
        {
            _unstarted.Remove(pod.Ref);
            have = _pods.GetValueOrDefault(pod.Ref);
        }

        if (have is not null && !have.Ips.SequenceEqual(pod.Ips))
        {
            await RemoveAsync(pod.Ref, problem: null);
            have = null;
        }

        _declared[pod.Ref] = [.. pod.Ports.Select(p => new LabPort(p.Protocol, p.Port)).Distinct()];
        IReadOnlyList<LabNamedPort> named = [.. pod.Ports.Where(c => !string.IsNullOrEmpty(c.Name)).Select(c => new LabNamedPort(c.Name!, new LabPort(c.Protocol, c.Port))).Distinct().Order()];
        if (have is null)
        {
            // Every pod listens on every port any pod declares, so each cell of every probe is a real test.
            LabPod created = _topology.AddPod(pod.Ref, pod.Ips, ListenedPorts()) with { NamedPorts = named };
            lock (_pods)
            {
                _pods[pod.Ref] = created;
            }

            Enforcer!.EnsurePod(pod.Ref, [created.HostVeth], _mode);
            _listeners[pod.Ref] = PodListeners.Start(created);
            LabLog.PodUp(_logger, pod.Ref.ToString(), created.Netns, created.HostVeth, string.Join(",", pod.Ips), string.Join(",", created.Ports));
        }
        else if (!have.NamedPorts.SequenceEqual(named))
        {
            // Only the names changed: the listeners stay, named probes resolve anew.
            lock (_pods)
            {
                _pods[pod.Ref] = have with { NamedPorts = named };
            }
        }

        await RelistenAsync();
    }

    /// <summary>Removes the pod's namespace (with its veth and routes) and listeners, detaching the enforcer first, as a CNI DEL does.</summary>
    public async Task RemoveAsync(ObjectRef pod, string? problem = null)
    {
        LabPod? have;
        lock (_pods)
        {
            if (problem is null)
            {
                _unstarted.Remove(pod);
            }
            else
            {
                _unstarted[pod] = problem;
            }

            _pods.Remove(pod, out have);
        }

        _declared.Remove(pod);
        if (_listeners.Remove(pod, out PodListeners? listeners))
        {
            await listeners.DisposeAsync();
        }

        if (have is null)
        {
            return;
        }

        try
        {
            Enforcer!.RemovePod(pod);
        }
        catch (Exception e) when (e is InvalidOperationException or BpfException or IOException)
        {
            LabLog.EnforceFailed(_logger, e, pod.ToString());
        }

        LabTopology.RemovePod(have.Netns);
        LabLog.PodRemoved(_logger, pod.ToString());
        await RelistenAsync();
    }

    private List<LabPort> ListenedPorts() => [.. _declared.Values.SelectMany(p => p).Distinct().Order()];

    /// <summary>Restarts the listeners of pods whose ports differ from what the pods declare now.</summary>
    private async Task RelistenAsync()
    {
        List<LabPort> ports = ListenedPorts();
        foreach (LabPod pod in Pods.Where(p => !p.Ports.SequenceEqual(ports)))
        {
            if (_listeners.Remove(pod.Pod, out PodListeners? old))
            {
                await old.DisposeAsync();
            }

            LabPod updated = pod with { Ports = ports };
            lock (_pods)
            {
                _pods[pod.Pod] = updated;
            }

            _listeners[pod.Pod] = PodListeners.Start(updated);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (PodListeners l in _listeners.Values)
        {
            await l.DisposeAsync();
        }

        _listeners.Clear();
    }
}
