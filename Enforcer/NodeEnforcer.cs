using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.Enforcer.Attach;
using Npa.Enforcer.Maps;
using Npa.Enforcer.Native;
using Npa.Enforcer.PinnedState;
using Npa.Enforcer.Rules;
using Npa.Resolver.Diff;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Enforcer;

/// <summary>
/// The enforcer facade: programs pods' host veths and the pinned maps under one bpffs root.
/// <list type="bullet">
/// <item><see cref="EnsurePod"/> registers a pod and attaches the programs to its host veth; until
/// <see cref="Apply"/> runs, the pod passes traffic (standard) or denies it (strict).</item>
/// <item><see cref="Apply"/> compiles the pod's policy, writes only the entries that differ from what
/// is programmed, and deletes conntrack entries of flows the new policy no longer allows.</item>
/// <item><see cref="RemovePod"/> detaches and removes every entry, link pin and conntrack entry of the pod.</item>
/// <item><see cref="Reconcile"/> compares the maps with the desired state and repairs drift.</item>
/// </list>
/// Opening an existing root adopts it: programs, links and maps are reused as pinned, so verdicts
/// never change across a restart. All methods are thread-safe (serialised).
/// </summary>
public sealed class NodeEnforcer : IDisposable
{
    private readonly object _gate = new();
    private readonly EnforcerOptions _options;
    private readonly ILogger _logger;
    private readonly PinnedObjects _pins;
    private readonly BpfMap<uint, NpaPodState> _podStates;
    private readonly BpfMap<uint, NpaPodRecord> _podRecords;
    private readonly BpfMap<NpaLpm4Key, uint> _ing4;
    private readonly BpfMap<NpaLpm4Key, uint> _egr4;
    private readonly BpfMap<NpaLpm6Key, uint> _ing6;
    private readonly BpfMap<NpaLpm6Key, uint> _egr6;
    private readonly BpfMap<NpaPortKey, uint> _ingPorts;
    private readonly BpfMap<NpaPortKey, uint> _egrPorts;
    private readonly BpfMap<NpaCtKey, NpaCtValue> _conntrack;
    private readonly PerCpuCounters _stats;
    private readonly Dictionary<PodKey, PodEntry> _pods = new();
    private readonly Dictionary<uint, PodEntry> _podsById = new();
    private const uint MaxPodId = 1 << 20;
    private uint _lastPodId;

    /// <summary>Rule ids handed out by the ApplyAll in progress, live until its pods record them as desired.</summary>
    private readonly HashSet<uint> _applyingRuleIds = new();

    private NodeEnforcer(EnforcerOptions options, ILogger logger, PinnedObjects pins, bool ownsRuleIds = true)
    {
        _options = options;
        _logger = logger;
        _pins = pins;
        _podStates = new(Dup(MapNames.Pods), MapNames.Pods);
        _podRecords = new(Dup(MapNames.PodKeys), MapNames.PodKeys);
        _ing4 = new(Dup(MapNames.IngressLpm4), MapNames.IngressLpm4);
        _egr4 = new(Dup(MapNames.EgressLpm4), MapNames.EgressLpm4);
        _ing6 = new(Dup(MapNames.IngressLpm6), MapNames.IngressLpm6);
        _egr6 = new(Dup(MapNames.EgressLpm6), MapNames.EgressLpm6);
        _ingPorts = new(Dup(MapNames.IngressPorts), MapNames.IngressPorts);
        _egrPorts = new(Dup(MapNames.EgressPorts), MapNames.EgressPorts);
        _conntrack = new(Dup(MapNames.Conntrack), MapNames.Conntrack);
        _stats = new PerCpuCounters(pins.Map(MapNames.Stats));
        BpfMap<uint, NpaRuleName> ruleNames = new(Dup(MapNames.RuleNames), MapNames.RuleNames);
        RuleIds = new RuleIdRegistry(ruleNames, owner: ownsRuleIds, mapEntries: (int)ruleNames.MaxEntries());
        if (ownsRuleIds)
        {
            RuleIds.AttachReferences(ReferencedRuleIdsIfIdle, sweep => EnforcerLog.RuleIdsSweptOnDemand(_logger, sweep.Removed, sweep.Unreferenced, sweep.Live, sweep.Capacity));
        }
    }

    /// <summary>Rule ids of verdict events to policy rules (persisted with the pins).</summary>
    public RuleIdRegistry RuleIds { get; }

    public string Root => _pins.Root;

    /// <summary>True when the root was already programmed and has been adopted as it was.</summary>
    public bool Adopted => _pins.Adopted;

    /// <summary>Opens the root (creating programs and maps when absent) and adopts what is pinned.</summary>
    public static NodeEnforcer Open(EnforcerOptions? options = null, ILogger? logger = null)
    {
        options ??= new EnforcerOptions();
        logger ??= NullLogger.Instance;
        PinnedObjects pins = PinnedObjects.OpenOrCreate(options.BpffsRoot, options.ObjectPath, options.ConntrackEntries, options.RuleNameEntries);
        NodeEnforcer enforcer = new(options, logger, pins);
        enforcer.AdoptExisting();
        EnforcerLog.Opened(logger, options.BpffsRoot, pins.Adopted, enforcer._pods.Count);
        return enforcer;
    }

    /// <summary>
    /// Opens a root that must already be programmed (inspection): never loads or pins anything. Its
    /// <see cref="RuleIds"/> is a read-only view (the agent owning the root allocates and sweeps rule ids).
    /// </summary>
    public static NodeEnforcer OpenExisting(string root, ILogger? logger = null)
    {
        if (!File.Exists(Path.Combine(root, "progs", MapNames.IngressProgramPin)))
        {
            throw new BpfException($"no npa programs are pinned under {root} (is the agent running, and is bpffs mounted?)");
        }

        EnforcerOptions options = new() { BpffsRoot = root };
        PinnedObjects pins = PinnedObjects.OpenOrCreate(root, options.ObjectPath, options.ConntrackEntries);
        NodeEnforcer enforcer = new(options, logger ?? NullLogger.Instance, pins, ownsRuleIds: false);
        enforcer.AdoptExisting();
        return enforcer;
    }

    /// <summary>Reads the pinned pod registry and programmed entries back into memory. Writes nothing.</summary>
    public IReadOnlyList<PodKey> AdoptExisting()
    {
        lock (_gate)
        {
            _pods.Clear();
            _podsById.Clear();
            Dictionary<uint, NpaPodState> states = new();
            foreach (KeyValuePair<uint, NpaPodState> s in _podStates.Entries())
            {
                states[s.Value.PodId] = s.Value;
            }

            Dictionary<uint, LpmPodState> programmed = DumpAll();
            foreach (KeyValuePair<uint, NpaPodRecord> record in _podRecords.Entries())
            {
                if (!PodKey.TryParse(RecordKey(record.Value), out PodKey? key))
                {
                    continue;
                }

                states.TryGetValue(record.Key, out NpaPodState state);
                PodEntry entry = new(key!, record.Key)
                {
                    IfIndex = record.Value.IfIndex,
                    Attach = (AttachKind)(record.Value.Flags & 0xff),
                    IngressMode = state.IngressMode,
                    EgressMode = state.EgressMode,
                };
                entry.Programmed = WithModes(programmed.GetValueOrDefault(record.Key) ?? LpmPodState.Open, entry);
                _pods[key!] = entry;
                _podsById[record.Key] = entry;
            }

            return _pods.Keys.ToList();
        }
    }

    /// <summary>
    /// Registers the pod and attaches the programs to its host veth. A new pod starts in
    /// <paramref name="mode"/>'s start state (standard: allow, strict: deny) until <see cref="Apply"/>;
    /// a known pod keeps its programmed policy (the veth is re-resolved and re-attached if it changed).
    /// </summary>
    public PodStatus EnsurePod(PodKey pod, PodAttachment attachment, EnforcingMode mode)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(attachment);
        if (mode is not (EnforcingMode.Standard or EnforcingMode.Strict))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "enforcing mode must be Standard or Strict");
        }

        uint ifIndex = PodAttacher.ResolveIfIndex(attachment.NetnsPath, attachment.InterfaceName);
        lock (_gate)
        {
            foreach (PodEntry other in _pods.Values.Where(p => p.IfIndex == ifIndex && p.Key != pod).ToList())
            {
                EnforcerLog.StalePodReplaced(_logger, pod, other.Key, ifIndex);
                RemoveLocked(other, attachment.NetnsPath);
            }

            if (!_pods.TryGetValue(pod, out PodEntry? entry))
            {
                entry = new PodEntry(pod, NextPodId()) { IfIndex = ifIndex };
                PodDirectionMode start = mode == EnforcingMode.Strict ? PodDirectionMode.StrictStart : PodDirectionMode.StandardStart;
                entry.IngressMode = start;
                entry.EgressMode = start;
                entry.Programmed = LpmPodState.Open;
                _pods[pod] = entry;
                _podsById[entry.PodId] = entry;
            }
            else if (entry.IfIndex != ifIndex)
            {
                _podStates.Delete(entry.IfIndex);
                entry.IfIndex = ifIndex;
            }

            entry.NetnsPath = attachment.NetnsPath;
            WriteRecord(entry);
            WriteState(entry);
            entry.Attach = PodAttacher.Attach(attachment.NetnsPath, ifIndex, _pins.IngressProgram, _pins.EgressProgram,
                _pins.LinksDir, entry.PodId, _options.AllowTcFallback, _options.PreferTcClsact);
            WriteRecord(entry);
            EnforcerLog.PodEnsured(_logger, pod, attachment.InterfaceName, ifIndex, entry.PodId, entry.Attach, mode);
            return Status(entry);
        }
    }

    /// <summary>Registers a pod on an ifindex without attaching anything (BPF_PROG_TEST_RUN runs on ifindex 1).</summary>
    internal PodStatus RegisterUnattached(PodKey pod, uint ifIndex, EnforcingMode mode)
    {
        lock (_gate)
        {
            PodDirectionMode start = mode == EnforcingMode.Strict ? PodDirectionMode.StrictStart : PodDirectionMode.StandardStart;
            PodEntry entry = new(pod, NextPodId()) { IfIndex = ifIndex, IngressMode = start, EgressMode = start, Attach = AttachKind.Unknown };
            _pods[pod] = entry;
            _podsById[entry.PodId] = entry;
            WriteRecord(entry);
            WriteState(entry);
            return Status(entry);
        }
    }

    /// <summary>
    /// Programs the pod's policy: compiles it, diffs against what is programmed, writes the minimal
    /// changes in an order that never judges by a half-written policy, then revokes conntrack entries
    /// of flows the policy no longer allows. A direction no policy isolates allows everything.
    /// </summary>
    public ApplyResult Apply(PodKey pod, PodPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(policy);
        return ApplyAll([new KeyValuePair<PodKey, PodPolicy>(pod, policy)])[pod];
    }

    /// <summary>
    /// <see cref="Apply"/> for many pods at once (a policy change that touches many pods): each pod is
    /// written as by Apply, and the conntrack map is swept once for all of them instead of once per pod.
    /// </summary>
    public IReadOnlyDictionary<PodKey, ApplyResult> ApplyAll(IEnumerable<KeyValuePair<PodKey, PodPolicy>> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        lock (_gate)
        {
            try
            {
                return ApplyAllLocked(policies);
            }
            finally
            {
                _applyingRuleIds.Clear();
            }
        }
    }

    private Dictionary<PodKey, ApplyResult> ApplyAllLocked(IEnumerable<KeyValuePair<PodKey, PodPolicy>> policies)
    {
        List<(PodEntry Entry, PodMapChanges Changes, bool ModesChanged)> applied = new();
        Dictionary<uint, LpmPodState> sweep = new();
        try
        {
            foreach ((PodKey pod, PodPolicy policy) in policies)
            {
                PodEntry entry = _pods.GetValueOrDefault(pod) ??
                    throw new InvalidOperationException($"pod {pod} is not known to the enforcer; call EnsurePod first");
                LpmPodState desired = LpmCompiler.Compile(policy, ApplyingRuleId);
                entry.Desired = desired;
                bool onlyWidens = OnlyWidens(entry, policy);
                (PodMapChanges changes, bool modesChanged) = WriteLocked(entry, desired);
                // Only once written: a retry after a failed write must still compare with the policy before it.
                entry.Policy = policy;
                if ((!changes.IsEmpty || modesChanged) && !onlyWidens)
                {
                    sweep[entry.PodId] = desired;
                }

                applied.Add((entry, changes, modesChanged));
            }
        }
        catch (Exception) when (sweep.Count > 0)
        {
            // Pods written before the failure are programmed with their new policy: their flows it no longer
            // allows are cut now, since a later apply of the same policy finds nothing to change.
            try
            {
                RevokeConntrack(sweep);
            }
            catch (BpfException revokeError)
            {
                foreach ((PodEntry entry, _, _) in applied)
                {
                    EnforcerLog.ApplyFailed(_logger, revokeError, entry.Key);
                }
            }

            throw;
        }

        Dictionary<uint, int> revoked = sweep.Count == 0 ? new() : RevokeConntrack(sweep);
        Dictionary<PodKey, ApplyResult> results = new();
        foreach ((PodEntry entry, PodMapChanges changes, bool modesChanged) in applied)
        {
            int n = revoked.GetValueOrDefault(entry.PodId);
            EnforcerLog.PolicyApplied(_logger, entry.Key, changes, n);
            results[entry.Key] = new ApplyResult(changes.Peers.Count, changes.Ports.Count, modesChanged, n);
        }

        return results;
    }

    /// <summary>Detaches the pod and removes its link pins, map entries, registry record and conntrack entries.</summary>
    public bool RemovePod(PodKey pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        lock (_gate)
        {
            if (!_pods.TryGetValue(pod, out PodEntry? entry))
            {
                return false;
            }

            RemoveLocked(entry, entry.NetnsPath);
            return true;
        }
    }

    /// <summary>
    /// Removes every known pod not in <paramref name="live"/> (after a restart, pods deleted while the
    /// agent was down). Returns the pods removed.
    /// </summary>
    public IReadOnlyList<PodKey> RemovePodsExcept(IReadOnlySet<PodKey> live)
    {
        ArgumentNullException.ThrowIfNull(live);
        lock (_gate)
        {
            List<PodEntry> gone = _pods.Values.Where(p => !live.Contains(p.Key)).ToList();
            foreach (PodEntry entry in gone)
            {
                RemoveLocked(entry, entry.NetnsPath);
            }

            return gone.Select(p => p.Key).ToList();
        }
    }

    /// <summary>
    /// Full compare: dumps every map, repairs each pod whose entries differ from its desired state
    /// (pods adopted after a restart count as desired = programmed until the next Apply), and removes
    /// entries of pod ids no known pod owns.
    /// </summary>
    public DriftReport Reconcile()
    {
        lock (_gate)
        {
            Dictionary<uint, LpmPodState> dumped = DumpAll();
            int repairedPods = 0, repairedEntries = 0, orphans = 0;
            foreach (PodEntry entry in _pods.Values)
            {
                LpmPodState actual = WithModes(dumped.GetValueOrDefault(entry.PodId) ?? LpmPodState.Open, entry);
                entry.Programmed = actual;
                // Without a desired state (adopted after a restart, or never applied), entries and modes stay as they are.
                LpmPodState desired = entry.Desired ?? actual;
                (PodMapChanges changes, _) = WriteLocked(entry, desired, writeModes: entry.Desired is not null);
                bool stateDrifted = !_podStates.TryLookup(entry.IfIndex, out NpaPodState state) || state.PodId != entry.PodId ||
                                    state.IngressMode != entry.IngressMode || state.EgressMode != entry.EgressMode;
                if (stateDrifted)
                {
                    WriteState(entry);
                }

                if (!changes.IsEmpty || stateDrifted)
                {
                    repairedPods++;
                    repairedEntries += changes.Peers.Count + changes.Ports.Count;
                    EnforcerLog.DriftRepaired(_logger, entry.Key, changes);
                }
            }

            foreach ((uint podId, LpmPodState state) in dumped)
            {
                if (!_podsById.ContainsKey(podId))
                {
                    int n = DeleteEntries(podId, state);
                    orphans += n;
                    EnforcerLog.OrphansRemoved(_logger, n, podId);
                }
            }

            return new DriftReport(_pods.Count, repairedPods, repairedEntries, orphans);
        }
    }

    /// <summary>
    /// Deletes conntrack entries idle for longer than <paramref name="idle"/> (by the kernel's last-seen
    /// time, refreshed at most once a second). A later packet of such a flow is judged again as new.
    /// </summary>
    public int ExpireConntrack(TimeSpan idle)
    {
        ulong now = (ulong)(System.Diagnostics.Stopwatch.GetTimestamp() * (1_000_000_000.0 / System.Diagnostics.Stopwatch.Frequency));
        ulong limit = (ulong)idle.TotalNanoseconds;
        int deleted = 0;
        lock (_gate)
        {
            foreach (KeyValuePair<NpaCtKey, NpaCtValue> ct in _conntrack.EntriesBatched())
            {
                if (now > ct.Value.LastSeenNs && now - ct.Value.LastSeenNs > limit && _conntrack.Delete(ct.Key))
                {
                    deleted++;
                }
            }
        }

        return deleted;
    }

    /// <summary>
    /// One mark-and-sweep of the rule id registry: ids that no pod's programmed or desired port entry
    /// names are marked, and the ones already marked at the previous sweep are removed from
    /// npa_rule_names_v1 (see <see cref="RuleIdRegistry.Sweep"/>). Ids are never handed out again.
    /// </summary>
    public RuleIdSweep SweepRuleIds()
    {
        lock (_gate)
        {
            RuleIdSweep sweep = RuleIds.Sweep(ReferencedRuleIdsLocked());
            EnforcerLog.RuleIdsSwept(_logger, sweep.Removed, sweep.Unreferenced, sweep.Live, sweep.Capacity);
            return sweep;
        }
    }

    /// <summary>
    /// Runs <see cref="Reconcile"/>, <see cref="SweepRuleIds"/> (and, when <paramref name="conntrackIdle"/> is set,
    /// <see cref="ExpireConntrack"/>) every <paramref name="period"/> until cancelled. Failures of one
    /// round are reported to <paramref name="onError"/> and the loop goes on.
    /// </summary>
    public async Task RunPeriodicAsync(TimeSpan period, TimeSpan? conntrackIdle, TimeProvider time, Action<Exception>? onError, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        using PeriodicTimer timer = new(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                // Each job on its own: a compare that keeps failing must not stop rule-id sweeps or conntrack expiry.
                RunOne(() => Reconcile(), onError);
                RunOne(() => SweepRuleIds(), onError);
                if (conntrackIdle is { } idle)
                {
                    RunOne(() => ExpireConntrack(idle), onError);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static void RunOne(Action job, Action<Exception>? onError)
    {
        try
        {
            job();
        }
        catch (Exception e) when (e is BpfException or IOException)
        {
            onError?.Invoke(e);
        }
    }

    public IReadOnlyList<PodStatus> Pods()
    {
        lock (_gate)
        {
            return _pods.Values.OrderBy(p => p.PodId).Select(Status).ToList();
        }
    }

    public PodStatus? GetPod(PodKey pod)
    {
        lock (_gate)
        {
            return _pods.TryGetValue(pod, out PodEntry? e) ? Status(e) : null;
        }
    }

    /// <summary>What the maps hold for the pod right now (read back, not the in-memory mirror).</summary>
    public LpmPodState? ReadProgrammed(PodKey pod)
    {
        lock (_gate)
        {
            if (!_pods.TryGetValue(pod, out PodEntry? e))
            {
                return null;
            }

            return WithModes(DumpAll().GetValueOrDefault(e.PodId) ?? LpmPodState.Open, e);
        }
    }

    public IReadOnlyList<ConntrackEntry> Conntrack()
    {
        lock (_gate)
        {
            return _conntrack.EntriesBatched().Select(e => Decode(e.Key, e.Value)).ToList();
        }
    }

    public EnforcerStats ReadStats() => new(
        _stats.Read(EnforcerStat.IngressAllow), _stats.Read(EnforcerStat.IngressDeny),
        _stats.Read(EnforcerStat.EgressAllow), _stats.Read(EnforcerStat.EgressDeny),
        _stats.Read(EnforcerStat.RingBufferDrops), _stats.Read(EnforcerStat.ConntrackHits),
        _stats.Read(EnforcerStat.Events), _stats.Read(EnforcerStat.FragmentUnknown),
        _stats.Read(EnforcerStat.IngressDenyBytes), _stats.Read(EnforcerStat.EgressDenyBytes));

    /// <summary>Removes every pin under the root (programs, links, maps). Pods are detached. For tests and uninstall.</summary>
    public static void DeleteRoot(string root)
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    public void Dispose()
    {
        _podStates.Dispose();
        _podRecords.Dispose();
        _ing4.Dispose();
        _egr4.Dispose();
        _ing6.Dispose();
        _egr6.Dispose();
        _ingPorts.Dispose();
        _egrPorts.Dispose();
        _conntrack.Dispose();
        RuleIds.Dispose();
        _pins.Dispose();
    }

    internal BpfFd Program(Direction direction) => direction == Direction.Ingress ? _pins.IngressProgram : _pins.EgressProgram;

    internal BpfFd MapFd(string name) => _pins.Map(name);

    /// <summary>The rule id of a rule compiled by the ApplyAll in progress (live for any sweep until the apply ends).</summary>
    private uint ApplyingRuleId(RuleRef rule)
    {
        uint id = RuleIds.GetOrAdd(rule);
        _applyingRuleIds.Add(id);
        return id;
    }

    /// <summary>
    /// Rule ids in use: the values of every port entry of each pod's programmed state (as written, or as
    /// read back when adopted) and desired state, plus those of the apply in progress. Peer entries hold
    /// rule-set ids, another space, and are not rule ids.
    /// </summary>
    private HashSet<uint> ReferencedRuleIdsLocked()
    {
        HashSet<uint> ids = new(_applyingRuleIds);
        foreach (PodEntry entry in _pods.Values)
        {
            ids.UnionWith(entry.Programmed.Ports.Values);
            if (entry.Desired is { } desired)
            {
                ids.UnionWith(desired.Ports.Values);
            }
        }

        return ids;
    }

    /// <summary>
    /// For the registry's on-demand sweep: the ids in use when this thread holds the enforcer's lock (an
    /// apply that needs a new id) or can take it at once; null otherwise, never blocking under the registry's lock.
    /// </summary>
    private IReadOnlyCollection<uint>? ReferencedRuleIdsIfIdle()
    {
        if (!Monitor.TryEnter(_gate))
        {
            return null;
        }

        try
        {
            return ReferencedRuleIdsLocked();
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    private (PodMapChanges Changes, bool ModesChanged) WriteLocked(PodEntry entry, LpmPodState desired, bool writeModes = true)
    {
        PodMapChanges changes = PodMapChanges.Compute(desired, entry.Programmed);
        PodDirectionMode ing = !writeModes ? entry.IngressMode : desired.IngressIsolated ? PodDirectionMode.Enforce : PodDirectionMode.Allow;
        PodDirectionMode egr = !writeModes ? entry.EgressMode : desired.EgressIsolated ? PodDirectionMode.Enforce : PodDirectionMode.Allow;
        bool modesChanged = ing != entry.IngressMode || egr != entry.EgressMode;
        try
        {
            uint id = entry.PodId;
            foreach (KeyValuePair<LpmPortKey, uint> p in changes.Ports.Adds.Concat(changes.Ports.Updates))
            {
                PortMap(p.Key.Direction).Update(KeyCodec.Port(id, p.Key), p.Value);
            }

            foreach (KeyValuePair<LpmPeerKey, uint> p in changes.Peers.Adds.Concat(changes.Peers.Updates))
            {
                WritePeer(id, p.Key, p.Value);
            }

            if (modesChanged)
            {
                (PodDirectionMode wasIng, PodDirectionMode wasEgr) = (entry.IngressMode, entry.EgressMode);
                entry.IngressMode = ing;
                entry.EgressMode = egr;
                try
                {
                    WriteState(entry);
                }
                catch (BpfException)
                {
                    // Not written: the modes in memory stay those in the map, so a retry writes them.
                    entry.IngressMode = wasIng;
                    entry.EgressMode = wasEgr;
                    throw;
                }
            }

            foreach (LpmPeerKey k in changes.Peers.Deletes)
            {
                DeletePeer(id, k);
            }

            foreach (LpmPortKey k in changes.Ports.Deletes)
            {
                PortMap(k.Direction).Delete(KeyCodec.Port(id, k));
            }

            entry.Programmed = desired;
        }
        catch (BpfException e)
        {
            EnforcerLog.ApplyFailed(_logger, e, entry.Key);
            entry.Programmed = WithModes(DumpAll().GetValueOrDefault(entry.PodId) ?? LpmPodState.Open, entry);
            throw;
        }

        return (changes, modesChanged);
    }

    /// <summary>
    /// True when the new policy can only allow more than the applied one: every direction keeps its
    /// isolation or drops it, and keeps every rule. Then no conntrack entry can be revoked and the
    /// sweep over the conntrack map is skipped.
    /// </summary>
    private static bool OnlyWidens(PodEntry entry, PodPolicy next)
    {
        if (entry.Policy is not { } previous)
        {
            return false;
        }

        foreach (Direction d in new[] { Direction.Ingress, Direction.Egress })
        {
            DirectionPolicy before = previous[d], after = next[d];
            if (!after.Isolated)
            {
                continue;
            }

            if (!before.Isolated)
            {
                return false;
            }

            HashSet<AllowRule> kept = new(after.Rules);
            if (!before.Rules.All(kept.Contains))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One pass over the conntrack keys: deletes flows of the given pods that their new state does not allow.</summary>
    private Dictionary<uint, int> RevokeConntrack(Dictionary<uint, LpmPodState> desiredByPod)
    {
        Dictionary<uint, int> deleted = new();
        foreach ((NpaCtKey key, _) in _conntrack.EntriesBatched())
        {
            if (!desiredByPod.TryGetValue(key.PodId, out LpmPodState? desired))
            {
                continue;
            }

            ConntrackEntry flow = Decode(key, default);
            int port = flow.Protocol is Protocol.Tcp or Protocol.Udp or Protocol.Sctp ? flow.DestinationPort : 0;
            if (!LpmLookup.Allows(desired, flow.Direction, flow.Peer, (byte)flow.Protocol, port) && _conntrack.Delete(key))
            {
                deleted[key.PodId] = deleted.GetValueOrDefault(key.PodId) + 1;
            }
        }

        return deleted;
    }

    private void RemoveLocked(PodEntry entry, string? netnsPath)
    {
        PodAttacher.Detach(netnsPath, entry.IfIndex, _pins.LinksDir, entry.PodId, entry.Attach);
        if (_podStates.TryLookup(entry.IfIndex, out NpaPodState state) && state.PodId == entry.PodId)
        {
            _podStates.Delete(entry.IfIndex);
        }

        DeleteEntries(entry.PodId, entry.Programmed);
        foreach ((NpaCtKey key, _) in _conntrack.EntriesBatched())
        {
            if (key.PodId == entry.PodId)
            {
                _conntrack.Delete(key);
            }
        }

        _podRecords.Delete(entry.PodId);
        _pods.Remove(entry.Key);
        _podsById.Remove(entry.PodId);
        EnforcerLog.PodRemoved(_logger, entry.Key, entry.PodId);
    }

    private int DeleteEntries(uint podId, LpmPodState state)
    {
        int n = 0;
        foreach (LpmPeerKey k in state.Peers.Keys)
        {
            DeletePeer(podId, k);
            n++;
        }

        foreach (LpmPortKey k in state.Ports.Keys)
        {
            PortMap(k.Direction).Delete(KeyCodec.Port(podId, k));
            n++;
        }

        return n;
    }

    private Dictionary<uint, LpmPodState> DumpAll()
    {
        Dictionary<uint, (SortedDictionary<LpmPeerKey, uint> Peers, SortedDictionary<LpmPortKey, uint> Ports)> acc = new();
        (SortedDictionary<LpmPeerKey, uint> Peers, SortedDictionary<LpmPortKey, uint> Ports) For(uint id)
        {
            if (!acc.TryGetValue(id, out var v))
            {
                v = (new(), new());
                acc[id] = v;
            }

            return v;
        }

        foreach ((Direction dir, BpfMap<NpaLpm4Key, uint> map) in new[] { (Direction.Ingress, _ing4), (Direction.Egress, _egr4) })
        {
            foreach (KeyValuePair<NpaLpm4Key, uint> e in map.Entries())
            {
                For(e.Key.PodId).Peers[new LpmPeerKey(dir, KeyCodec.Prefix(e.Key))] = e.Value;
            }
        }

        foreach ((Direction dir, BpfMap<NpaLpm6Key, uint> map) in new[] { (Direction.Ingress, _ing6), (Direction.Egress, _egr6) })
        {
            foreach (KeyValuePair<NpaLpm6Key, uint> e in map.Entries())
            {
                For(e.Key.PodId).Peers[new LpmPeerKey(dir, KeyCodec.Prefix(e.Key))] = e.Value;
            }
        }

        foreach ((Direction dir, BpfMap<NpaPortKey, uint> map) in new[] { (Direction.Ingress, _ingPorts), (Direction.Egress, _egrPorts) })
        {
            foreach (KeyValuePair<NpaPortKey, uint> e in map.Entries())
            {
                For(e.Key.PodId).Ports[KeyCodec.Port(dir, e.Key)] = e.Value;
            }
        }

        return acc.ToDictionary(a => a.Key, a => new LpmPodState(false, false, a.Value.Peers, a.Value.Ports));
    }

    private static LpmPodState WithModes(LpmPodState state, PodEntry entry) =>
        state with
        {
            IngressIsolated = entry.IngressMode == PodDirectionMode.Enforce,
            EgressIsolated = entry.EgressMode == PodDirectionMode.Enforce,
        };

    private void WritePeer(uint podId, LpmPeerKey key, uint setId)
    {
        if (key.Prefix.IsIPv6)
        {
            (key.Direction == Direction.Ingress ? _ing6 : _egr6).Update(KeyCodec.Peer6(podId, key.Prefix), setId);
        }
        else
        {
            (key.Direction == Direction.Ingress ? _ing4 : _egr4).Update(KeyCodec.Peer4(podId, key.Prefix), setId);
        }
    }

    private void DeletePeer(uint podId, LpmPeerKey key)
    {
        if (key.Prefix.IsIPv6)
        {
            (key.Direction == Direction.Ingress ? _ing6 : _egr6).Delete(KeyCodec.Peer6(podId, key.Prefix));
        }
        else
        {
            (key.Direction == Direction.Ingress ? _ing4 : _egr4).Delete(KeyCodec.Peer4(podId, key.Prefix));
        }
    }

    private BpfMap<NpaPortKey, uint> PortMap(Direction direction) => direction == Direction.Ingress ? _ingPorts : _egrPorts;

    private void WriteState(PodEntry entry) =>
        _podStates.Update(entry.IfIndex, new NpaPodState { PodId = entry.PodId, IngressMode = entry.IngressMode, EgressMode = entry.EgressMode });

    private unsafe void WriteRecord(PodEntry entry)
    {
        NpaPodRecord record = new() { IfIndex = entry.IfIndex, Flags = (uint)entry.Attach };
        byte[] bytes = Encoding.UTF8.GetBytes(entry.Key.ToString());
        if (bytes.Length >= NpaPodRecord.KeyBytes)
        {
            throw new ArgumentException($"pod key {entry.Key} is longer than {NpaPodRecord.KeyBytes - 1} bytes");
        }

        for (int i = 0; i < bytes.Length; i++)
        {
            record.Key[i] = bytes[i];
        }

        _podRecords.Update(entry.PodId, record);
    }

    private static unsafe string RecordKey(NpaPodRecord record)
    {
        ReadOnlySpan<byte> span = new(record.Key, NpaPodRecord.KeyBytes);
        int end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    private uint NextPodId()
    {
        uint id = _lastPodId;
        do
        {
            id = id >= MaxPodId ? 1 : id + 1;
        }
        while (_podsById.ContainsKey(id) || _podRecords.TryLookup(id, out _));

        _lastPodId = id;
        return id;
    }

    private static unsafe ConntrackEntry Decode(NpaCtKey key, NpaCtValue value) => new(
        key.PodId,
        (Direction)key.Direction,
        (Protocol)key.Protocol,
        KeyCodec.Address(key.Src, key.Family),
        key.SrcPort,
        KeyCodec.Address(key.Dst, key.Family),
        key.DstPort,
        value.RuleId,
        value.LastSeenNs);

    private static PodStatus Status(PodEntry e) =>
        new(e.Key, e.PodId, e.IfIndex, e.Attach, e.IngressMode, e.EgressMode, e.Programmed) { Policy = e.Policy };

    private BpfFd Dup(string name)
    {
        return PinnedObjects.Get(Path.Combine(_pins.MapsDir, name));
    }

    private sealed class PodEntry(PodKey key, uint podId)
    {
        public PodKey Key { get; } = key;

        public uint PodId { get; } = podId;

        public uint IfIndex { get; set; }

        public string? NetnsPath { get; set; }

        public AttachKind Attach { get; set; }

        public PodDirectionMode IngressMode { get; set; }

        public PodDirectionMode EgressMode { get; set; }

        public LpmPodState Programmed { get; set; } = LpmPodState.Open;

        public LpmPodState? Desired { get; set; }

        /// <summary>The policy last applied (null until the first Apply of this process).</summary>
        public PodPolicy? Policy { get; set; }
    }
}
