using System.Runtime.InteropServices;

namespace Npa.Enforcer.Native;

/// <summary>
/// Hand-written bindings to Debian's libbpf.so.1 (1.1.x). Functions return 0 or a negative errno
/// unless noted; <c>bpf_object__open_file</c> returns NULL and sets errno.
/// </summary>
internal static unsafe partial class LibBpf
{
    private const string Lib = "libbpf.so.1";

    public const int BPF_ANY = 0;
    public const int BPF_NOEXIST = 1;
    public const int BPF_EXIST = 2;

    /// <summary>tcx attach types (kernel 6.6+), missing from the 6.1 UAPI headers.</summary>
    public const int BPF_TCX_INGRESS = 46;
    public const int BPF_TCX_EGRESS = 47;

    public const int BPF_TC_INGRESS = 1;
    public const int BPF_TC_EGRESS = 2;

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

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int bpf_map__set_pin_path(nint map, string path);

    [LibraryImport(Lib)]
    public static partial int bpf_map__set_max_entries(nint map, uint maxEntries);

    [LibraryImport(Lib)]
    public static partial int bpf_map__fd(nint map);

    [LibraryImport(Lib)]
    public static partial int bpf_program__fd(nint prog);

    [LibraryImport(Lib)]
    public static partial int bpf_map_update_elem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Lib)]
    public static partial int bpf_map_lookup_elem(int fd, void* key, void* value);

    [LibraryImport(Lib)]
    public static partial int bpf_map_delete_elem(int fd, void* key);

    [LibraryImport(Lib)]
    public static partial int bpf_map_get_next_key(int fd, void* key, void* nextKey);

    /// <summary>Reads up to *count entries after in_batch (NULL: from the start); -ENOENT after the last chunk.</summary>
    [LibraryImport(Lib)]
    public static partial int bpf_map_lookup_batch(int fd, void* inBatch, void* outBatch, void* keys, void* values, uint* count, nint opts);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int bpf_obj_pin(int fd, string path);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int bpf_obj_get(string path);

    [LibraryImport(Lib)]
    public static partial int bpf_obj_get_info_by_fd(int fd, void* info, uint* infoLen);

    [LibraryImport(Lib)]
    public static partial int bpf_link_create(int progFd, int targetFd, int attachType, nint opts);

    [LibraryImport(Lib)]
    public static partial int bpf_tc_hook_create(BpfTcHook* hook);

    [LibraryImport(Lib)]
    public static partial int bpf_tc_hook_destroy(BpfTcHook* hook);

    [LibraryImport(Lib)]
    public static partial int bpf_tc_attach(BpfTcHook* hook, BpfTcOpts* opts);

    [LibraryImport(Lib)]
    public static partial int bpf_prog_test_run_opts(int progFd, BpfTestRunOpts* opts);

    [LibraryImport(Lib)]
    public static partial int libbpf_num_possible_cpus();

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint ring_buffer__new(int mapFd, delegate* unmanaged<nint, void*, nuint, int> sampleCb, nint ctx, nint opts);

    [LibraryImport(Lib)]
    public static partial int ring_buffer__poll(nint rb, int timeoutMs);

    [LibraryImport(Lib)]
    public static partial int ring_buffer__consume(nint rb);

    [LibraryImport(Lib)]
    public static partial void ring_buffer__free(nint rb);
}

/// <summary>struct bpf_tc_hook (libbpf 1.1): 24 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfTcHook
{
    public nuint Sz;
    public int IfIndex;
    public int AttachPoint;
    public uint Parent;
    private readonly uint _pad;
}

/// <summary>struct bpf_tc_opts (libbpf 1.1): 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfTcOpts
{
    public nuint Sz;
    public int ProgFd;
    public uint Flags;
    public uint ProgId;
    public uint Handle;
    public uint Priority;
    private readonly uint _pad;
}

/// <summary>struct bpf_test_run_opts (libbpf 1.1): 80 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BpfTestRunOpts
{
    public nuint Sz;
    public void* DataIn;
    public void* DataOut;
    public uint DataSizeIn;
    public uint DataSizeOut;
    public void* CtxIn;
    public void* CtxOut;
    public uint CtxSizeIn;
    public uint CtxSizeOut;
    public uint Retval;
    public int Repeat;
    public uint Duration;
    public uint Flags;
    public uint Cpu;
    public uint BatchSize;
}

/// <summary>The leading fields of struct bpf_prog_info / bpf_map_info / bpf_link_info this project reads.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BpfProgInfoPrefix
{
    public uint Type;
    public uint Id;
    public fixed byte Tag[8];
    public uint JitedProgLen;
    public uint XlatedProgLen;
    public ulong JitedProgInsns;
    public ulong XlatedProgInsns;
    public ulong LoadTime;
    public uint CreatedByUid;
    public uint NrMapIds;
    public ulong MapIds;
    public fixed byte Name[16];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BpfMapInfoPrefix
{
    public uint Type;
    public uint Id;
    public uint KeySize;
    public uint ValueSize;
    public uint MaxEntries;
    public uint MapFlags;
    public fixed byte Name[16];
}

[StructLayout(LayoutKind.Sequential)]
internal struct BpfLinkInfoPrefix
{
    public uint Type;
    public uint Id;
    public uint ProgId;
    private readonly uint _pad;
    public uint IfIndex;   // tcx: union member { ifindex, attach_type }
    public uint AttachType;
}
