using System.Runtime.InteropServices;
using Npa.Enforcer.Native;

namespace Npa.Enforcer.Attach;

/// <summary>
/// Attaches the pod programs to a host veth: npa_pod_ingress on the veth's egress (traffic into the
/// pod), npa_pod_egress on its ingress. tcx links are pinned (<c>links/pod-ID-ingress</c>, <c>-egress</c>)
/// so they outlive the process; removing the pin detaches. When tcx is refused, falls back to tc
/// clsact with direct-action filters.
/// </summary>
internal static unsafe class PodAttacher
{
    public static uint ResolveIfIndex(string? netnsPath, string ifName) =>
        NetnsThread.Run(netnsPath, () =>
        {
            uint index = LibC.if_nametoindex(ifName);
            return index != 0
                ? index
                : throw new BpfException($"interface {ifName} not found in {(netnsPath ?? "this network namespace")}", Marshal.GetLastPInvokeError());
        });

    public static string IngressLinkPin(string linksDir, uint podId) => Path.Combine(linksDir, $"pod-{podId}-ingress");

    public static string EgressLinkPin(string linksDir, uint podId) => Path.Combine(linksDir, $"pod-{podId}-egress");

    /// <summary>Attaches (or keeps a valid existing attachment) and returns how.</summary>
    public static AttachKind Attach(string? netnsPath, uint ifIndex, BpfFd ingressProg, BpfFd egressProg, string linksDir, uint podId, bool allowTcFallback, bool preferTc = false)
    {
        if (preferTc)
        {
            return NetnsThread.Run(netnsPath, () =>
            {
                AttachTc(ifIndex, ingressProg, egressProg);
                return AttachKind.TcClsact;
            });
        }

        string ingPin = IngressLinkPin(linksDir, podId);
        string egrPin = EgressLinkPin(linksDir, podId);
        if (LinkValid(ingPin, ifIndex) && LinkValid(egrPin, ifIndex))
        {
            return AttachKind.Tcx;
        }

        return NetnsThread.Run(netnsPath, () =>
        {
            try
            {
                CreateLink(ingressProg, ifIndex, LibBpf.BPF_TCX_EGRESS, ingPin);
                CreateLink(egressProg, ifIndex, LibBpf.BPF_TCX_INGRESS, egrPin);
                return AttachKind.Tcx;
            }
            catch (BpfException) when (allowTcFallback)
            {
                TryDelete(ingPin);
                TryDelete(egrPin);
                AttachTc(ifIndex, ingressProg, egressProg);
                return AttachKind.TcClsact;
            }
        });
    }

    public static void Detach(string? netnsPath, uint ifIndex, string linksDir, uint podId, AttachKind kind)
    {
        TryDelete(IngressLinkPin(linksDir, podId));
        TryDelete(EgressLinkPin(linksDir, podId));
        if (kind == AttachKind.TcClsact)
        {
            NetnsThread.Run(netnsPath, () =>
            {
                BpfTcHook hook = new() { Sz = (nuint)sizeof(BpfTcHook), IfIndex = (int)ifIndex, AttachPoint = LibBpf.BPF_TC_INGRESS | LibBpf.BPF_TC_EGRESS };
                _ = LibBpf.bpf_tc_hook_destroy(&hook); // EINVAL when clsact is already gone: fine
                return 0;
            });
        }
    }

    private static void CreateLink(BpfFd prog, uint ifIndex, int attachType, string pin)
    {
        TryDelete(pin);
        int link = LibBpf.bpf_link_create(prog.Fd, (int)ifIndex, attachType, 0);
        if (link < 0)
        {
            throw new BpfException($"tcx link of ifindex {ifIndex} (attach type {attachType})", -link);
        }

        using BpfFd fd = new(link);
        BpfException.Check(LibBpf.bpf_obj_pin(fd.Fd, pin), $"pin of link {pin}");
    }

    private static void AttachTc(uint ifIndex, BpfFd ingressProg, BpfFd egressProg)
    {
        BpfTcHook hook = new() { Sz = (nuint)sizeof(BpfTcHook), IfIndex = (int)ifIndex, AttachPoint = LibBpf.BPF_TC_INGRESS | LibBpf.BPF_TC_EGRESS };
        int r = LibBpf.bpf_tc_hook_create(&hook);
        if (r < 0 && r != -17)
        {
            throw new BpfException($"clsact on ifindex {ifIndex}", -r);
        }

        foreach ((int point, BpfFd prog) in new[] { (LibBpf.BPF_TC_EGRESS, ingressProg), (LibBpf.BPF_TC_INGRESS, egressProg) })
        {
            BpfTcHook h = new() { Sz = (nuint)sizeof(BpfTcHook), IfIndex = (int)ifIndex, AttachPoint = point };
            BpfTcOpts opts = new() { Sz = (nuint)sizeof(BpfTcOpts), ProgFd = prog.Fd, Handle = 1, Priority = 1, Flags = 1 /* BPF_TC_F_REPLACE */ };
            BpfException.Check(LibBpf.bpf_tc_attach(&h, &opts), $"tc filter on ifindex {ifIndex}");
        }
    }

    /// <summary>A pinned link that still points at ifIndex (a recreated veth gets a new index).</summary>
    internal static bool LinkValid(string pin, uint ifIndex)
    {
        if (!File.Exists(pin))
        {
            return false;
        }

        int fd = LibBpf.bpf_obj_get(pin);
        if (fd < 0)
        {
            return false;
        }

        using BpfFd link = new(fd);
        BpfLinkInfoPrefix info = default;
        uint len = (uint)sizeof(BpfLinkInfoPrefix);
        return LibBpf.bpf_obj_get_info_by_fd(link.Fd, &info, &len) == 0 && info.IfIndex == ifIndex;
    }

    internal static LinkDescription? Describe(string pin)
    {
        int fd = LibBpf.bpf_obj_get(pin);
        if (fd < 0)
        {
            return null;
        }

        using BpfFd link = new(fd);
        BpfLinkInfoPrefix info = default;
        uint len = (uint)sizeof(BpfLinkInfoPrefix);
        return LibBpf.bpf_obj_get_info_by_fd(link.Fd, &info, &len) == 0
            ? new LinkDescription(info.Id, info.ProgId, info.IfIndex, info.AttachType)
            : null;
    }

    private static void TryDelete(string pin)
    {
        try
        {
            File.Delete(pin);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>What the kernel reports about a pinned tcx link.</summary>
public sealed record LinkDescription(uint LinkId, uint ProgramId, uint IfIndex, uint AttachType);
