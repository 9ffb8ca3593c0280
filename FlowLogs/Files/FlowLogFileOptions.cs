namespace Npa.FlowLogs.Files;

/// <summary>Where flow logs go and how they rotate (defaults match the EKS agent's flags).</summary>
public sealed record FlowLogFileOptions
{
    public const string DefaultDirectory = "/var/log/aws-routed-eni";
    public const string DefaultFileName = "network-policy-agent.log";

    public string Directory { get; init; } = DefaultDirectory;

    public string FileName { get; init; } = DefaultFileName;

    /// <summary>Rotate before the current file would grow past this (<c>--log-file-max-size</c>, 200 MB).</summary>
    public long MaxFileBytes { get; init; } = 200L * 1024 * 1024;

    /// <summary>Rotated files kept (<c>--log-file-max-backups</c>, 8); older ones are deleted.</summary>
    public int MaxBackups { get; init; } = 8;

    /// <summary>Lines are handed to the writer thread in chunks of about this many bytes (one write each; fewer, larger writes measured faster).</summary>
    public int ChunkBytes { get; init; } = 128 * 1024;

    /// <summary>Chunks waiting for the writer; when full the producer waits up to <see cref="BehindWait"/>, then drops and counts.</summary>
    public int ChannelCapacity { get; init; } = 64;

    /// <summary>
    /// How long the producer waits for the writer when every chunk is taken (a burst: the wait pushes back
    /// into the kernel ring). If the writer does not make room in that time (a stuck disk) the chunk is
    /// dropped and counted, and later chunks drop at once until the writer frees one.
    /// </summary>
    public TimeSpan BehindWait { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>After a write error (disk full, unwritable), lines are dropped and counted until this has passed.</summary>
    public TimeSpan RetryAfterError { get; init; } = TimeSpan.FromSeconds(10);

    public string CurrentPath => Path.Combine(Directory, FileName);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException("flow log directory must not be empty");
        }

        if (string.IsNullOrWhiteSpace(FileName) || FileName.Contains('/'))
        {
            throw new ArgumentException($"flow log file name '{FileName}' must be a plain file name");
        }

        if (MaxFileBytes < 1024)
        {
            throw new ArgumentException($"flow log max file size must be at least 1024 bytes, got {MaxFileBytes}");
        }

        if (MaxBackups < 0)
        {
            throw new ArgumentException($"flow log max backups must not be negative, got {MaxBackups}");
        }

        if (BehindWait < TimeSpan.Zero)
        {
            throw new ArgumentException($"flow log writer wait must not be negative, got {BehindWait}");
        }

        if (ChunkBytes < 256 || ChannelCapacity < 1)
        {
            throw new ArgumentException($"flow log chunk size ({ChunkBytes}) must be >= 256 and channel capacity ({ChannelCapacity}) >= 1");
        }
    }
}
