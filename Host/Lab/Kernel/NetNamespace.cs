using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Npa.Host.Lab.Kernel;

/// <summary>
/// Runs code inside a named network namespace (<c>/run/netns/NAME</c>) on a dedicated thread that
/// calls <c>setns(CLONE_NEWNET)</c>. Only that thread moves; sockets it opens keep the namespace for
/// their whole life, so they can be used afterwards from any thread.
/// </summary>
internal static partial class NetNamespace
{
    public const string RunDirectory = "/run/netns";

    private const int CloneNewNet = 0x40000000;
    private const int ORdOnly = 0;
    private const int OCloExec = 0x80000;

    public static string PathOf(string name) => Path.Combine(RunDirectory, name);

    public static bool Exists(string name) => File.Exists(PathOf(name));

    /// <summary>Names of every namespace under /run/netns starting with <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<string> List(string prefix) =>
        Directory.Exists(RunDirectory)
            ? Directory.GetFiles(RunDirectory).Select(Path.GetFileName).OfType<string>()
                .Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>Runs <paramref name="work"/> in namespace <paramref name="name"/> and returns its result.</summary>
    public static T Run<T>(string name, Func<T> work)
    {
        T? result = default;
        ExceptionDispatchInfo? failure = null;
        Thread thread = new(() =>
        {
            try
            {
                Enter(name);
                result = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns " + name,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result!;
    }

    private static void Enter(string name)
    {
        string path = PathOf(name);
        int fd = open(path, ORdOnly | OCloExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open network namespace {path}: errno {Marshal.GetLastPInvokeError()}");
        }

        try
        {
            if (setns(fd, CloneNewNet) != 0)
            {
                throw new IOException($"setns({path}) failed: errno {Marshal.GetLastPInvokeError()} (needs root)");
            }
        }
        finally
        {
            close(fd);
        }
    }

    [LibraryImport("libc.so.6", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int close(int fd);
}
