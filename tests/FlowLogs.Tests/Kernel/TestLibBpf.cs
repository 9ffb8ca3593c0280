using System.Runtime.InteropServices;

namespace Npa.FlowLogs.Tests.Kernel;

/// <summary>libbpf calls the kernel test needs to load its generator program (test-only; the reader has its own).</summary>
internal static unsafe partial class TestLibBpf
{
    private const string Lib = "libbpf.so.1";

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint bpf_object__open_file(string path, nint opts);

    [LibraryImport(Lib)]
    public static partial int bpf_object__load(nint obj);

    [LibraryImport(Lib)]
    public static partial void bpf_object__close(nint obj);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint bpf_object__find_map_by_name(nint obj, string name);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint bpf_object__find_program_by_name(nint obj, string name);

    [LibraryImport(Lib)]
    public static partial int bpf_map__fd(nint map);

    [LibraryImport(Lib)]
    public static partial int bpf_map__set_max_entries(nint map, uint maxEntries);

    [LibraryImport(Lib)]
    public static partial int bpf_map_lookup_elem(int fd, void* key, void* value);

    [LibraryImport(Lib)]
    public static partial int libbpf_num_possible_cpus();

    [LibraryImport(Lib)]
    public static partial int bpf_program__fd(nint prog);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int bpf_obj_pin(int fd, string path);

    [LibraryImport(Lib)]
    public static partial int bpf_map_update_elem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Lib)]
    public static partial int bpf_prog_test_run_opts(int progFd, ref TestRunOpts opts);

    /// <summary><c>struct bpf_test_run_opts</c> of libbpf 1.1 (80 bytes on 64-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TestRunOpts
    {
        public nuint Sz;
        public nint DataIn;
        public nint DataOut;
        public uint DataSizeIn;
        public uint DataSizeOut;
        public nint CtxIn;
        public nint CtxOut;
        public uint CtxSizeIn;
        public uint CtxSizeOut;
        public uint Retval;
        public int Repeat;
        public uint Duration;
        public uint Flags;
        public uint Cpu;
        public uint BatchSize;
    }
}
