using System.Runtime.InteropServices;

namespace Npa.FlowLogs.Native;

/// <summary>
/// The few libbpf 1.x calls the flow-log reader needs (its own copy, so FlowLogs does not depend on the
/// enforcer). libbpf 1.x returns -errno from low-level calls and NULL + errno from constructors.
/// </summary>
internal static unsafe partial class LibBpfRing
{
    private const string Lib = "libbpf.so.1";
    private const string LibC = "libc.so.6";

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int bpf_obj_get(string pathname);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint ring_buffer__new(int mapFd, delegate* unmanaged[Cdecl]<nint, void*, nuint, int> sampleCb, nint ctx, nint opts);

    [LibraryImport(Lib)]
    public static partial int ring_buffer__poll(nint rb, int timeoutMs);

    [LibraryImport(Lib)]
    public static partial int ring_buffer__consume(nint rb);

    [LibraryImport(Lib)]
    public static partial void ring_buffer__free(nint rb);

    [LibraryImport(Lib)]
    public static partial int bpf_map_lookup_elem(int fd, void* key, void* value);

    [LibraryImport(Lib)]
    public static partial int libbpf_num_possible_cpus();

    [LibraryImport(LibC, EntryPoint = "close")]
    public static partial int close(int fd);
}
