using System.Runtime.InteropServices;

namespace Npa.Host.Lab.Kernel;

/// <summary>Signals to a process by id (used only for the lab's own recorded daemon).</summary>
internal static partial class Signals
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    public static bool IsAlive(int pid) => pid > 0 && kill(pid, 0) == 0;

    public static void Send(int pid, int signal) => _ = kill(pid, signal);

    /// <summary>True when /proc says process <paramref name="pid"/> is an npa lab daemon (guards against a reused pid).</summary>
    public static bool IsLabDaemon(int pid)
    {
        try
        {
            string cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return cmdline.Contains("npa", StringComparison.Ordinal) && cmdline.Contains(" up", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
