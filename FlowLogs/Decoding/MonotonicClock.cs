using System.Diagnostics;

namespace Npa.FlowLogs.Decoding;

/// <summary>
/// Maps CLOCK_MONOTONIC (what <c>bpf_ktime_get_ns()</c> returns; on Linux also what
/// <see cref="Stopwatch.GetTimestamp"/> reads) to wall-clock time with one offset taken at start.
/// </summary>
public static class MonotonicClock
{
    /// <summary>Unix time in nanoseconds at monotonic zero, measured now.</summary>
    public static long OffsetToUnixNs(TimeProvider wallClock)
    {
        long before = Stopwatch.GetTimestamp();
        long unixNs = (wallClock.GetUtcNow().UtcDateTime - DateTime.UnixEpoch).Ticks * 100;
        long after = Stopwatch.GetTimestamp();
        long monotonicNs = (long)((before / 2.0 + after / 2.0) * (1_000_000_000.0 / Stopwatch.Frequency));
        return unixNs - monotonicNs;
    }
}
