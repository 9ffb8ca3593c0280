using Npa.Enforcer.Native;

namespace Npa.Enforcer.PinnedState;

/// <summary>
/// The pinned programs and maps of one enforcer root (<c>ROOT/maps/NAME</c>, <c>ROOT/progs/NAME_v1</c>,
/// tcx links under <c>ROOT/links/</c>). Opening reuses every pin that exists, so a restart never
/// replaces what the attached programs use; only when the programs are not pinned yet is the object
/// loaded, with libbpf reusing maps that are already pinned.
/// </summary>
internal sealed class PinnedObjects : IDisposable
{
    private readonly Dictionary<string, BpfFd> _maps;

    private PinnedObjects(string root, Dictionary<string, BpfFd> maps, BpfFd ingress, BpfFd egress, bool adopted)
    {
        Root = root;
        _maps = maps;
        IngressProgram = ingress;
        EgressProgram = egress;
        Adopted = adopted;
    }

    public string Root { get; }

    public BpfFd IngressProgram { get; }

    public BpfFd EgressProgram { get; }

    /// <summary>True when programs and maps were already pinned and have been reused.</summary>
    public bool Adopted { get; }

    public string MapsDir => Path.Combine(Root, "maps");

    public string ProgsDir => Path.Combine(Root, "progs");

    public string LinksDir => Path.Combine(Root, "links");

    public BpfFd Map(string name) => _maps[name];

    public static PinnedObjects OpenOrCreate(string root, string objectPath, uint conntrackEntries, uint ruleNameEntries = Rules.RuleIdRegistry.DefaultMapEntries)
    {
        Directory.CreateDirectory(Path.Combine(root, "maps"));
        Directory.CreateDirectory(Path.Combine(root, "progs"));
        Directory.CreateDirectory(Path.Combine(root, "links"));
        string ingPin = Path.Combine(root, "progs", MapNames.IngressProgramPin);
        string egrPin = Path.Combine(root, "progs", MapNames.EgressProgramPin);
        bool adopted = File.Exists(ingPin) && File.Exists(egrPin) &&
                       MapNames.All.All(n => File.Exists(Path.Combine(root, "maps", n)));
        if (!adopted)
        {
            Load(root, objectPath, conntrackEntries, ruleNameEntries, ingPin, egrPin);
        }

        Dictionary<string, BpfFd> maps = new(StringComparer.Ordinal);
        try
        {
            foreach (string name in MapNames.All)
            {
                maps[name] = Get(Path.Combine(root, "maps", name));
            }

            return new PinnedObjects(root, maps, Get(ingPin), Get(egrPin), adopted);
        }
        catch
        {
            foreach (BpfFd fd in maps.Values)
            {
                fd.Dispose();
            }

            throw;
        }
    }

    public static BpfFd Get(string pin)
    {
        int fd = LibBpf.bpf_obj_get(pin);
        return fd < 0 ? throw new BpfException($"open of pin {pin}", -fd) : new BpfFd(fd);
    }

    private static void Load(string root, string objectPath, uint conntrackEntries, uint ruleNameEntries, string ingPin, string egrPin)
    {
        if (!File.Exists(objectPath))
        {
            throw new BpfException($"BPF object {objectPath} not found; build the Enforcer project (it runs make in bpf/)");
        }

        nint obj = LibBpf.bpf_object__open_file(objectPath, 0);
        if (obj == 0)
        {
            throw new BpfException($"open of BPF object {objectPath}", System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        }

        try
        {
            foreach (string name in MapNames.All)
            {
                nint map = LibBpf.bpf_object__find_map_by_name(obj, name);
                if (map == 0)
                {
                    throw new BpfException($"map {name} is missing from {objectPath}");
                }

                BpfException.Check(LibBpf.bpf_map__set_pin_path(map, Path.Combine(root, "maps", name)), $"pin path of map {name}");
                if (name == MapNames.Conntrack)
                {
                    BpfException.Check(LibBpf.bpf_map__set_max_entries(map, conntrackEntries), "size of map npa_ct_v1");
                }
                else if (name == MapNames.RuleNames)
                {
                    BpfException.Check(LibBpf.bpf_map__set_max_entries(map, ruleNameEntries), "size of map npa_rule_names_v1");
                }
            }

            BpfException.Check(LibBpf.bpf_object__load(obj), $"load of {objectPath} (verifier or a pinned map of another layout under {root})");
            PinProgram(obj, MapNames.IngressProgram, ingPin);
            PinProgram(obj, MapNames.EgressProgram, egrPin);
        }
        finally
        {
            LibBpf.bpf_object__close(obj);
        }
    }

    private static void PinProgram(nint obj, string name, string pin)
    {
        nint prog = LibBpf.bpf_object__find_program_by_name(obj, name);
        if (prog == 0)
        {
            throw new BpfException($"program {name} is missing from the BPF object");
        }

        if (File.Exists(pin))
        {
            File.Delete(pin);
        }

        BpfException.Check(LibBpf.bpf_obj_pin(LibBpf.bpf_program__fd(prog), pin), $"pin of program {name} at {pin}");
    }

    public void Dispose()
    {
        foreach (BpfFd fd in _maps.Values)
        {
            fd.Dispose();
        }

        IngressProgram.Dispose();
        EgressProgram.Dispose();
    }
}
