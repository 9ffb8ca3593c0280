using System.Runtime.InteropServices;
using Xunit;

namespace Npa.Tests.Shared.Kernel;

/// <summary>What a kernel test needs (Linux, root, bpffs, libbpf) and, when something is missing, which.</summary>
public static partial class KernelFeatures
{
    /// <summary>Null when every kernel test can run; otherwise a loud reason naming the missing feature.</summary>
    public static string? Missing()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "KERNEL FEATURE MISSING: not Linux (eBPF tests need a Linux kernel)";
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

/// <summary>A test that needs root, a mounted bpffs and libbpf; skipped with the missing feature named.</summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute()
    {
        Skip = KernelFeatures.Missing();
    }
}

/// <summary>A theory that needs root, a mounted bpffs and libbpf; skipped with the missing feature named.</summary>
public sealed class KernelTheoryAttribute : TheoryAttribute
{
    public KernelTheoryAttribute()
    {
        Skip = KernelFeatures.Missing();
    }
}
