using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Npa.Enforcer.Native;

namespace Npa.Enforcer.Attach;

/// <summary>
/// Runs an action in another network namespace: on a dedicated thread that joins the namespace with
/// setns(2) and ends afterwards, so no pooled thread is ever left in a foreign namespace. ifindexes,
/// interface names and tcx link creation are all relative to the calling thread's namespace. Sockets
/// opened by the action keep that namespace for their whole life and can be used from any thread.
/// The one implementation of this: the lab's <c>NetNamespace</c> runs its work through it too.
/// </summary>
public static class NetnsThread
{
    /// <summary>Runs <paramref name="action"/> in the namespace at <paramref name="netnsPath"/>, or here when it is null or empty.</summary>
    public static T Run<T>(string? netnsPath, Func<T> action)
    {
        if (string.IsNullOrEmpty(netnsPath))
        {
            return action();
        }

        T result = default!;
        ExceptionDispatchInfo? error = null;
        Thread thread = new(() =>
        {
            try
            {
                int fd = LibC.open(netnsPath, LibC.O_RDONLY | LibC.O_CLOEXEC);
                if (fd < 0)
                {
                    throw new BpfException($"open of network namespace {netnsPath}", Marshal.GetLastPInvokeError());
                }

                try
                {
                    if (LibC.setns(fd, LibC.CLONE_NEWNET) != 0)
                    {
                        throw new BpfException($"setns into {netnsPath}", Marshal.GetLastPInvokeError());
                    }
                }
                finally
                {
                    LibC.close(fd);
                }

                result = action();
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "npa-netns",
        };
        thread.Start();
        thread.Join();
        error?.Throw();
        return result;
    }
}
