using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Npa.Host.Lab.Kernel;

/// <summary>
/// Raw sockets for IP protocols .NET does not map (SCTP, 132): created with libc <c>socket()</c> in the
/// calling thread's network namespace and wrapped in a <see cref="Socket"/>.
/// </summary>
internal static partial class RawSocket
{
    private const int SockRaw = 3;
    private const int SockCloExec = 0x80000;

    public static Socket Open(AddressFamily family, int protocol)
    {
        int af = family == AddressFamily.InterNetworkV6 ? 10 : 2;
        int fd = socket(af, SockRaw | SockCloExec, protocol);
        if (fd < 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }

        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);
}
