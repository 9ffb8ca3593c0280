namespace Npa.FlowLogs.Reading;

/// <summary>Which pinned ring buffer to read and how decoded records are handed on.</summary>
public sealed record RingBufferReaderOptions
{
    /// <summary>Where the enforcer pins the verdict-event ring buffer (<c>npa_events_v1</c>).</summary>
    public const string DefaultPinPath = "/sys/fs/bpf/npa/maps/npa_events_v1";

    public string PinPath { get; init; } = DefaultPinPath;

    /// <summary>The enforcer's per-CPU statistics map (<c>npa_stats_v1</c>).</summary>
    public const string DefaultDropCounterPinPath = "/sys/fs/bpf/npa/maps/npa_stats_v1";

    /// <summary><c>NPA_STAT_RINGBUF_DROPS</c> in bpf/include/npa_maps.h.</summary>
    public const uint DefaultDropCounterKey = 4;

    /// <summary>Pinned per-CPU array whose element <see cref="DropCounterKey"/> counts failed ring-buffer reservations; null for none.</summary>
    public string? DropCounterPinPath { get; init; } = DefaultDropCounterPinPath;

    public uint DropCounterKey { get; init; } = DefaultDropCounterKey;

    /// <summary>Records waiting for the formatter; when it is full the reader leaves events in the kernel ring.</summary>
    public int ChannelCapacity { get; init; } = 65_536;

    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan DropCounterInterval { get; init; } = TimeSpan.FromSeconds(1);
}
