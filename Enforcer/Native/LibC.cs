using System.Runtime.InteropServices;

namespace Npa.Enforcer.Native;

/// <summary>The few libc calls the enforcer needs: fds, network namespaces and interface names.</summary>
internal static partial class LibC
{
    private const string Lib = "libc.so.6";

    public const int CLONE_NEWNET = 0x40000000;
    public const int O_RDONLY = 0;
    public const int O_CLOEXEC = 0x80000;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int open(string path, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial uint if_nametoindex(string name);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int unshare(int flags);
}
