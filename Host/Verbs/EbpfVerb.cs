using System.CommandLine;
using Npa.Enforcer;
using Npa.Enforcer.Inspect;

namespace Npa.Host.Verbs;

/// <summary>
/// <c>npa ebpf progs|maps|pods|dump POD|conntrack</c>: inspects what the enforcer pinned under its bpffs
/// root (programs and their tcx links per pod, maps, pods, a pod's decoded rules, conntrack entries).
/// </summary>
internal static class EbpfVerb
{
    public static Command Create()
    {
        Option<string> root = new("--root")
        {
            Description = "bpffs root of the enforcer",
            DefaultValueFactory = _ => "/sys/fs/bpf/npa",
            Recursive = true,
        };
        Command command = new("ebpf", "Inspect the eBPF programs, maps and per-pod state on this node");
        command.Options.Add(root);
        command.Subcommands.Add(Sub("progs", "Loaded programs and their attachments per pod", root, EbpfInspector.Programs));
        command.Subcommands.Add(Sub("maps", "Pinned maps, sizes, entry counts and counters", root, EbpfInspector.Maps));
        command.Subcommands.Add(Sub("pods", "Pods the enforcer programs, with modes and entry counts", root, EbpfInspector.Pods));
        command.Subcommands.Add(Sub("conntrack", "Allowed flows in the conntrack map", root, EbpfInspector.Conntrack));

        Argument<string> pod = new("pod") { Description = "namespace/name/uid (or namespace/name when unique)" };
        Command dump = new("dump", "A pod's programmed ingress and egress rules as CIDR, protocol and ports");
        dump.Arguments.Add(pod);
        dump.SetAction(parse => Run(parse.GetValue(root)!, e =>
        {
            string text = parse.GetValue(pod)!;
            PodKey key = Resolve(e, text);
            return EbpfInspector.Dump(e, key);
        }));
        command.Subcommands.Add(dump);
        return command;
    }

    private static Command Sub(string name, string description, Option<string> root, Func<NodeEnforcer, IReadOnlyList<string>> view)
    {
        Command c = new(name, description);
        c.SetAction(parse => Run(parse.GetValue(root)!, view));
        return c;
    }

    private static PodKey Resolve(NodeEnforcer enforcer, string text)
    {
        if (PodKey.TryParse(text, out PodKey? key))
        {
            return key!;
        }

        List<PodKey> matches = enforcer.Pods().Select(p => p.Pod).Where(p => $"{p.Namespace}/{p.Name}" == text).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new ArgumentException($"no programmed pod matches '{text}' (give namespace/name or namespace/name/uid)"),
            _ => throw new ArgumentException($"'{text}' matches {matches.Count} pods; give namespace/name/uid"),
        };
    }

    private static int Run(string root, Func<NodeEnforcer, IReadOnlyList<string>> view)
    {
        try
        {
            using NodeEnforcer enforcer = NodeEnforcer.OpenExisting(root);
            foreach (string line in view(enforcer))
            {
                Console.Out.WriteLine(line);
            }

            return 0;
        }
        catch (Exception e) when (e is Enforcer.Native.BpfException or ArgumentException or DllNotFoundException)
        {
            Console.Error.WriteLine($"npa ebpf: {e.Message}");
            return 1;
        }
    }
}
