namespace Npa.FlowLogs.Files;

/// <summary>A file's device and inode: the same across renames, different for a new file of the same name.</summary>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode)
{
    public static FileIdentity? Of(string path)
    {
        Span<byte> buffer = stackalloc byte[StatBufferBytes];
        return Stat(path, buffer) == 0 ? From(buffer) : null;
    }

    public static FileIdentity? Of(FileStream stream)
    {
        Span<byte> buffer = stackalloc byte[StatBufferBytes];
        bool added = false;
        try
        {
            stream.SafeFileHandle.DangerousAddRef(ref added);
            return FStat((int)stream.SafeFileHandle.DangerousGetHandle(), buffer) == 0 ? From(buffer) : null;
        }
        finally
        {
            if (added)
            {
                stream.SafeFileHandle.DangerousRelease();
            }
        }
    }

    // struct stat begins with st_dev then st_ino (8 bytes each) on x86_64 and aarch64 Linux.
    private static FileIdentity From(ReadOnlySpan<byte> stat) =>
        new(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(stat), System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(stat[8..]));

    private const int StatBufferBytes = 256; // larger than struct stat on every Linux ABI

    [System.Runtime.InteropServices.LibraryImport("libc.so.6", EntryPoint = "stat", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int Stat(string path, Span<byte> buffer);

    [System.Runtime.InteropServices.LibraryImport("libc.so.6", EntryPoint = "fstat")]
    private static partial int FStat(int fd, Span<byte> buffer);
}
