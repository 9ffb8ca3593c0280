namespace Npa.FlowLogs.Tests.Kernel;

/// <summary>A test that needs root, bpffs at /sys/fs/bpf, clang for -target bpf and libbpf.so.1; skips naming what is missing.</summary>
public sealed class RingBufferKernelFactAttribute : FactAttribute
{
    public RingBufferKernelFactAttribute()
    {
        Skip = MissingFeature();
    }

    private static string? MissingFeature()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "SKIPPED: BPF ring buffers need Linux";
        }

        if (Environment.UserName != "root")
        {
            return "SKIPPED: loading BPF programs needs root (CAP_BPF)";
        }

        if (!File.ReadAllText("/proc/mounts").Contains(" /sys/fs/bpf bpf ", StringComparison.Ordinal))
        {
            return "SKIPPED: bpffs is not mounted at /sys/fs/bpf (run scripts/setup.sh)";
        }

        if (!File.Exists("/usr/bin/clang") && !File.Exists("/usr/local/bin/clang"))
        {
            return "SKIPPED: clang is not installed (needed to build the test BPF program)";
        }

        if (!System.Runtime.InteropServices.NativeLibrary.TryLoad("libbpf.so.1", out nint handle))
        {
            return "SKIPPED: libbpf.so.1 is not installed";
        }

        System.Runtime.InteropServices.NativeLibrary.Free(handle);
        return null;
    }
}
