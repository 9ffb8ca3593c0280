using System.Runtime.InteropServices;

namespace Npa.Host.Tests.Kernel;

/// <summary>A test that needs root, a mounted bpffs and libbpf; skipped with the missing feature named.</summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute()
    {
        string? missing = KernelFeatures.Missing();
        if (missing is not null)
        {
            Skip = missing;
        }
    }
}

internal static partial class KernelFeatures
{
    public static string? Missing()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "KERNEL FEATURE MISSING: not Linux (the agent's enforcer needs eBPF)";
        }

        if (geteuid() != 0)
        {
            return "KERNEL FEATURE MISSING: not root (bpf() needs CAP_BPF and CAP_NET_ADMIN)";
        }

        if (!File.ReadAllText("/proc/mounts").Contains(" /sys/fs/bpf bpf ", StringComparison.Ordinal))
        {
            return "KERNEL FEATURE MISSING: bpffs is not mounted at /sys/fs/bpf (run scripts/setup.sh)";
        }

        if (!NativeLibrary.TryLoad("libbpf.so.1", out nint h))
        {
            return "KERNEL FEATURE MISSING: libbpf.so.1 not installed (apt-get install libbpf1)";
        }

        NativeLibrary.Free(h);
        return null;
    }

    [LibraryImport("libc.so.6")]
    private static partial uint geteuid();
}
