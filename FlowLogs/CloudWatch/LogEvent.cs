namespace Npa.FlowLogs.CloudWatch;

/// <summary>
/// One CloudWatch Logs event: Unix time in milliseconds, the UTF-8 message (no newline), and how many
/// flow-log lines it carries (1 for a flow line, more for a flow summary). Delivery and drops are
/// counted in <see cref="Lines"/>, so they add up to the lines enqueued.
/// </summary>
public readonly record struct LogEvent(long TimestampMs, byte[] Message, int Lines = 1)
{
    public int BatchBytes => Message.Length + CloudWatchLimits.PerEventOverheadBytes;

    /// <summary>Milliseconds since the Unix epoch (a local time is converted to UTC first).</summary>
    public static long UnixMilliseconds(DateTime time)
    {
        DateTime utc = time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time;
        return (utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;
    }

    /// <summary>Sum of <see cref="Lines"/> over <paramref name="events"/>.</summary>
    public static long CountLines(IReadOnlyList<LogEvent> events)
    {
        long lines = 0;
        for (int i = 0; i < events.Count; i++)
        {
            lines += events[i].Lines;
        }

        return lines;
    }
}
