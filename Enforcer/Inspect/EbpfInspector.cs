using System.Globalization;
using System.Text;
using Npa.Enforcer.Attach;
using Npa.Enforcer.Maps;
using Npa.Enforcer.Native;
using Npa.Enforcer.PinnedState;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Enforcer.Inspect;

/// <summary>
/// Text views of what is pinned under an enforcer root, for <c>npa ebpf progs|maps|pods|dump|conntrack</c>.
/// Reads only; every view is a list of lines.
/// </summary>
public static unsafe class EbpfInspector
{
    public static IReadOnlyList<string> Programs(NodeEnforcer enforcer)
    {
        List<string> lines = ["PROGRAM              ID     TAG               XLATED  JITED"];
        foreach ((string name, Direction dir) in new[] { (MapNames.IngressProgramPin, Direction.Ingress), (MapNames.EgressProgramPin, Direction.Egress) })
        {
            BpfProgInfoPrefix info = default;
            uint len = (uint)sizeof(BpfProgInfoPrefix);
            BpfException.Check(LibBpf.bpf_obj_get_info_by_fd(enforcer.Program(dir).Fd, &info, &len), $"info of program {name}");
            string tag = Convert.ToHexStringLower(new ReadOnlySpan<byte>(info.Tag, 8));
            lines.Add($"{name,-20} {info.Id,-6} {tag,-17} {info.XlatedProgLen,-7} {info.JitedProgLen}");
        }

        lines.Add(string.Empty);
        lines.Add("POD                                          IFINDEX  HOOK               LINK   PROG   ATTACH");
        string links = Path.Combine(enforcer.Root, "links");
        foreach (PodStatus pod in enforcer.Pods())
        {
            foreach ((string hook, string pin) in new[]
            {
                ("veth egress (in)", PodAttacher.IngressLinkPin(links, pod.PodId)),
                ("veth ingress (out)", PodAttacher.EgressLinkPin(links, pod.PodId)),
            })
            {
                LinkDescription? link = PodAttacher.Describe(pin);
                lines.Add(link is null
                    ? $"{pod.Pod,-44} {pod.IfIndex,-8} {hook,-18} -      -      {pod.Attach} (no pinned link)"
                    : $"{pod.Pod,-44} {link.IfIndex,-8} {hook,-18} {link.LinkId,-6} {link.ProgramId,-6} tcx type {link.AttachType}");
            }
        }

        return lines;
    }

    public static IReadOnlyList<string> Maps(NodeEnforcer enforcer)
    {
        List<string> lines = ["MAP                  ID     TYPE  KEY  VALUE  MAX      ENTRIES"];
        foreach (string name in MapNames.All)
        {
            BpfMapInfoPrefix info = default;
            uint len = (uint)sizeof(BpfMapInfoPrefix);
            BpfFd fd = enforcer.MapFd(name);
            BpfException.Check(LibBpf.bpf_obj_get_info_by_fd(fd.Fd, &info, &len), $"info of map {name}");
            string entries = info.Type is 6 or 27 ? "-" : CountKeys(fd, (int)info.KeySize).ToString(CultureInfo.InvariantCulture); // percpu array, ringbuf
            lines.Add($"{name,-20} {info.Id,-6} {info.Type,-5} {info.KeySize,-4} {info.ValueSize,-6} {info.MaxEntries,-8} {entries}");
        }

        EnforcerStats s = enforcer.ReadStats();
        lines.Add(string.Empty);
        lines.Add($"counters: ingress allow {s.IngressAllow} deny {s.IngressDeny} ({s.IngressDenyBytes} B); egress allow {s.EgressAllow} deny {s.EgressDeny} ({s.EgressDenyBytes} B); " +
                  $"conntrack hits {s.ConntrackHits}; events {s.Events}; ring-buffer drops {s.RingBufferDrops}; unknown fragments {s.FragmentUnknown}");
        lines.Add($"rule ids: {enforcer.RuleIds.Count} held of {enforcer.RuleIds.Capacity} ({MapNames.RuleNames}); next id {enforcer.RuleIds.NextId}");
        return lines;
    }

    public static IReadOnlyList<string> Pods(NodeEnforcer enforcer)
    {
        List<string> lines = ["ID    POD                                          IFINDEX  ATTACH    INGRESS        EGRESS         PEERS  PORTS"];
        foreach (PodStatus p in enforcer.Pods())
        {
            lines.Add($"{p.PodId,-5} {p.Pod,-44} {p.IfIndex,-8} {p.Attach,-9} {p.IngressMode,-14} {p.EgressMode,-14} {p.Programmed.Peers.Count,-6} {p.Programmed.Ports.Count}");
        }

        return lines;
    }

    /// <summary>A pod's programmed rules decoded back into CIDR, protocol, ports and the rule that allows them.</summary>
    public static IReadOnlyList<string> Dump(NodeEnforcer enforcer, PodKey pod)
    {
        PodStatus status = enforcer.GetPod(pod) ?? throw new ArgumentException($"pod {pod} is not programmed under {enforcer.Root}");
        LpmPodState state = enforcer.ReadProgrammed(pod)!;
        return Describe(state, status.IngressMode, status.EgressMode, enforcer.RuleIds);
    }

    /// <summary>Pure: the lines of <see cref="Dump"/> for given map contents.</summary>
    public static IReadOnlyList<string> Describe(LpmPodState state, PodDirectionMode ingress, PodDirectionMode egress, IRuleNameLookup rules)
    {
        List<string> lines = new();
        foreach ((Direction dir, PodDirectionMode mode) in new[] { (Direction.Ingress, ingress), (Direction.Egress, egress) })
        {
            lines.Add($"{dir.ToString().ToLowerInvariant()}: {mode}" + (mode == PodDirectionMode.Enforce ? string.Empty : " (rules below are not consulted)"));
            foreach ((LpmPeerKey peer, uint setId) in state.Peers.Where(p => p.Key.Direction == dir))
            {
                if (setId == 0)
                {
                    lines.Add($"  {peer.Prefix,-24} no rule (except hole)");
                    continue;
                }

                lines.Add($"  {peer.Prefix,-24} set {setId:x8}");
                foreach (string port in PortRanges(state, dir, setId, rules))
                {
                    lines.Add($"    {port}");
                }
            }
        }

        return lines;
    }

    private static IEnumerable<string> PortRanges(LpmPodState state, Direction dir, uint setId, IRuleNameLookup rules)
    {
        List<(byte Protocol, int First, int Last, uint Rule)> ranges = new();
        foreach ((LpmPortKey key, uint rule) in state.Ports.Where(p => p.Key.Direction == dir && p.Key.SetId == setId).OrderBy(p => p.Key))
        {
            if (ranges.Count > 0 && ranges[^1].Protocol == key.Protocol && ranges[^1].Rule == rule && ranges[^1].Last + 1 == key.FirstPort && key.Protocol != 0)
            {
                ranges[^1] = ranges[^1] with { Last = key.LastPort };
            }
            else
            {
                ranges.Add((key.Protocol, key.FirstPort, key.Protocol == 0 ? 65535 : key.LastPort, rule));
            }
        }

        foreach ((byte protocol, int first, int last, uint rule) in ranges)
        {
            string what = protocol == 0 ? "any protocol" :
                first == 0 && last == 65535 ? $"{(Protocol)protocol} all ports" :
                first == last ? $"{(Protocol)protocol} {first}" : $"{(Protocol)protocol} {first}-{last}";
            string name = rules.TryGetRule(rule, out RuleRef r) ? r.ToString() : "unknown rule";
            yield return $"{what,-24} rule {rule}: {name}";
        }
    }

    public static IReadOnlyList<string> Conntrack(NodeEnforcer enforcer)
    {
        Dictionary<uint, PodKey> pods = enforcer.Pods().ToDictionary(p => p.PodId, p => p.Pod);
        List<string> lines = ["POD                                          DIR      PROTO  SOURCE                         DESTINATION                    RULE"];
        foreach (ConntrackEntry e in enforcer.Conntrack().OrderBy(c => c.PodId).ThenBy(c => c.Source.ToString()))
        {
            string pod = pods.TryGetValue(e.PodId, out PodKey? k) ? k.ToString() : $"(pod id {e.PodId})";
            lines.Add($"{pod,-44} {e.Direction.ToString().ToLowerInvariant(),-8} {e.Protocol,-6} {Endpoint(e.Source, e.SourcePort),-30} {Endpoint(e.Destination, e.DestinationPort),-30} {e.RuleId}");
        }

        return lines;
    }

    private static string Endpoint(System.Net.IPAddress a, int port) =>
        a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{a}]:{port}" : $"{a}:{port}";

    private static int CountKeys(BpfFd fd, int keySize)
    {
        byte[] cur = new byte[keySize];
        byte[] next = new byte[keySize];
        int n = 0;
        fixed (byte* c = cur)
        fixed (byte* x = next)
        {
            int r = LibBpf.bpf_map_get_next_key(fd.Fd, null, x);
            while (r == 0)
            {
                n++;
                Buffer.MemoryCopy(x, c, keySize, keySize);
                r = LibBpf.bpf_map_get_next_key(fd.Fd, c, x);
            }
        }

        return n;
    }

    internal static string Join(IEnumerable<string> lines) => new StringBuilder().AppendJoin('\n', lines).ToString();
}
