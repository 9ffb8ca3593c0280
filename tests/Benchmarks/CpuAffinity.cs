using System.Runtime.InteropServices;

namespace Npa.Benchmarks;

/// <summary>
/// Confines every thread of this process to one CPU (Linux sched_setaffinity per thread; threads
/// started later inherit it from the thread that starts them), so a benchmark can say "on one core"
/// and mean it. Disposing restores each thread's previous mask.
/// </summary>
internal sealed unsafe partial class CpuAffinity : IDisposable
{
    private readonly Dictionary<int, ulong[]> _previous = [];

    private CpuAffinity(int cpu)
    {
        Cpu = cpu;
    }

    public int Cpu { get; }

    /// <summary>Pins the whole process to the last CPU it may run on.</summary>
    public static CpuAffinity PinToOneCpu()
    {
        ulong[] allowed = Get(0);
        int cpu = -1;
        for (int i = allowed.Length * 64 - 1; i >= 0 && cpu < 0; i--)
        {
            if ((allowed[i / 64] & (1UL << (i % 64))) != 0)
            {
                cpu = i;
            }
        }

        CpuAffinity pin = new(cpu);
        ulong[] only = new ulong[allowed.Length];
        only[cpu / 64] = 1UL << (cpu % 64);
        foreach (int tid in Threads())
        {
            try
            {
                pin._previous[tid] = Get(tid);
                Set(tid, only);
            }
            catch (InvalidOperationException)
            {
                // the thread ended between listing and pinning
            }
        }

        return pin;
    }

    public void Dispose()
    {
        foreach (int tid in Threads())
        {
            try
            {
                Set(tid, _previous.TryGetValue(tid, out ulong[]? mask) ? mask : _previous.Values.First());
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    private static IEnumerable<int> Threads() =>
        Directory.EnumerateDirectories("/proc/self/task").Select(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture)).ToList();

    private static ulong[] Get(int tid)
    {
        ulong[] mask = new ulong[16];
        fixed (ulong* p = mask)
        {
            if (sched_getaffinity(tid, (nuint)(mask.Length * sizeof(ulong)), p) != 0)
            {
                throw new InvalidOperationException($"sched_getaffinity({tid}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        return mask;
    }

    private static void Set(int tid, ulong[] mask)
    {
        fixed (ulong* p = mask)
        {
            if (sched_setaffinity(tid, (nuint)(mask.Length * sizeof(ulong)), p) != 0)
            {
                throw new InvalidOperationException($"sched_setaffinity({tid}) failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nuint size, ulong* mask);

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint size, ulong* mask);
}
