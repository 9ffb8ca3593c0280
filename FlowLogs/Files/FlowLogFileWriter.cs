using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.FlowLogs.Pipeline;

namespace Npa.FlowLogs.Files;

/// <summary>
/// Appends flow-log lines to one file with size-based, rename-only rotation, so Fluent Bit's
/// <c>tail</c> input reads every line once: the file is only ever appended to, whole lines only,
/// and at rotation it is renamed to a timestamped backup and a new file begins.
///
/// The producer side (<see cref="LineBuffer"/>, <see cref="CommitLine"/>, <see cref="WriteLine"/>,
/// <see cref="Flush"/>) belongs to ONE thread: lines collect in a chunk that is handed to the writer
/// thread through a bounded channel. When the channel is full the producer waits at most
/// <see cref="FlowLogFileOptions.BehindWait"/> (a burst pushes back into the kernel ring), then drops
/// the chunk and counts its lines; while the writer stays stuck, later chunks drop without waiting. Write errors (disk full, unwritable directory) drop and count lines
/// and are retried after <see cref="FlowLogFileOptions.RetryAfterError"/>; nothing throws to the caller.
/// </summary>
public sealed class FlowLogFileWriter : IAsyncDisposable
{
    private readonly FlowLogFileOptions _options;
    private readonly FlowLogFileSet _files;
    private readonly FlowLogCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<LineChunk> _channel;
    private readonly ConcurrentQueue<LineChunk> _spare = new();
    private readonly Thread _writerThread;
    private LineChunk _current;
    private FileStream? _stream;
    private long _size;
    private DateTime _lastStamp = DateTime.MinValue;
    private long _retryAt = long.MinValue;
    private bool _disposed;
    private bool _writerStuck;

    public FlowLogFileWriter(FlowLogFileOptions options, FlowLogCounters counters, TimeProvider? time = null, ILogger? logger = null)
    {
        options.Validate();
        _options = options;
        _files = new FlowLogFileSet(options.Directory, options.FileName);
        _counters = counters;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _channel = Channel.CreateBounded<LineChunk>(new BoundedChannelOptions(options.ChannelCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the producer waits a little, then counts and drops.
        });
        _current = NewChunk();
        _writerThread = new Thread(WriteLoop) { IsBackground = true, Name = "npa-flowlog-writer" };
        _writerThread.Start();
    }

    public FlowLogFileSet Files => _files;

    /// <summary>Where the next line is formatted; call <see cref="CommitLine"/> after writing one whole line.</summary>
    public System.Buffers.IBufferWriter<byte> LineBuffer => _current;

    /// <summary>Marks one whole line (ending in '\n') written into <see cref="LineBuffer"/>.</summary>
    public void CommitLine()
    {
        _current.CommitLine();
        if (_current.Length >= _options.ChunkBytes)
        {
            Flush();
        }
    }

    /// <summary>Appends one whole line; it must end in '\n' and contain no other newline.</summary>
    public void WriteLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty || line[^1] != (byte)'\n' || line[..^1].Contains((byte)'\n'))
        {
            throw new ArgumentException("a flow log line must end in one '\\n' and contain no other newline", nameof(line));
        }

        _current.Append(line);
        if (_current.Length >= _options.ChunkBytes)
        {
            Flush();
        }
    }

    /// <summary>Hands the lines collected so far to the writer task (call when the producer goes idle).</summary>
    public void Flush()
    {
        if (_current.Lines == 0)
        {
            return;
        }

        LineChunk chunk = _current;
        if (_disposed || !HandOff(chunk))
        {
            _counters.AddFileDropsChannelFull(chunk.Lines);
            chunk.Reset();
            return;
        }

        _current = NewChunk();
    }

    private bool HandOff(LineChunk chunk)
    {
        if (_channel.Writer.TryWrite(chunk))
        {
            _writerStuck = false;
            return true;
        }

        if (_writerStuck || _options.BehindWait == TimeSpan.Zero)
        {
            return false;
        }

        long deadline = Environment.TickCount64 + (long)_options.BehindWait.TotalMilliseconds;
        while (true)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                _writerStuck = true;
                return false;
            }

            // Waits in short slices and tries again after each: the channel's wake-up runs on a thread-pool
            // thread, and a busy pool must not leave this thread waiting out BehindWait and dropping.
            ValueTask<bool> room = _channel.Writer.WaitToWriteAsync();
            if (!room.IsCompleted)
            {
                room.AsTask().Wait(TimeSpan.FromMilliseconds(Math.Min(left, WakeCheckMs)));
            }

            if (_channel.Writer.TryWrite(chunk))
            {
                return true;
            }
        }
    }

    /// <summary>Flushes, lets the writer task finish what it holds, and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        Flush();
        _disposed = true;
        _channel.Writer.TryComplete();
        await Task.Run(_writerThread.Join).ConfigureAwait(false);
        _stream?.Dispose();
        _stream = null;
    }

    private LineChunk NewChunk()
    {
        if (_spare.TryDequeue(out LineChunk? chunk))
        {
            chunk.Reset();
            return chunk;
        }

        return new LineChunk(_options.ChunkBytes + 2048); // chunks are pooled and reused: at most ChannelCapacity + 2 exist
    }

    /// <summary>How long a blocked end waits before it looks again by itself (a wake-up may be late while the thread pool is busy).</summary>
    private const int WakeCheckMs = 50;

    private void WriteLoop()
    {
        ChannelReader<LineChunk> chunks = _channel.Reader;
        // The channel's wake-up runs on a thread-pool thread: while the pool is busy this thread would
        // sleep with chunks waiting, so it also looks by itself every WakeCheckMs. The pending wait is
        // reused across those looks (each new one would stay registered until a chunk came).
        Task<bool>? more = null;
        while (true)
        {
            while (chunks.TryRead(out LineChunk? chunk))
            {
                WriteChunk(chunk);
                chunk.Reset();
                _spare.Enqueue(chunk);
            }

            if (chunks.Completion.IsCompleted)
            {
                return;
            }

            if (more is null || more.IsCompleted)
            {
                ValueTask<bool> wait = chunks.WaitToReadAsync();
                if (wait.IsCompleted)
                {
                    more = null;
                    if (!wait.Result)
                    {
                        return; // completed and drained
                    }

                    continue;
                }

                more = wait.AsTask();
            }

            more.Wait(WakeCheckMs);
        }
    }

    private void WriteChunk(LineChunk chunk)
    {
        ReadOnlySpan<byte> remaining = chunk.Written;
        long writingFrom = -1; // the file's size before the write under way, while one is
        if (_time.GetTimestamp() < _retryAt)
        {
            _counters.AddFileDropsIoError(chunk.Lines);
            return;
        }

        try
        {
            if (_stream is not null && !File.Exists(_files.CurrentPath))
            {
                CloseQuietly(); // removed or moved by someone else: start a new file rather than write into the void
            }

            EnsureOpen();
            while (!remaining.IsEmpty)
            {
                int take = WholeLinesThatFit(remaining, _options.MaxFileBytes - _size);
                if (take == 0)
                {
                    if (_size > 0)
                    {
                        Rotate();
                        continue;
                    }

                    // One line longer than the whole file limit: it still goes out whole, alone in its file.
                    take = remaining.IndexOf((byte)'\n') + 1;
                }

                ReadOnlySpan<byte> part = remaining[..take];
                writingFrom = _size;
                _stream!.Write(part);
                writingFrom = -1;
                _size += take;
                _counters.AddLinesWritten(part.Count((byte)'\n'));
                remaining = remaining[take..];
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            if (writingFrom >= 0)
            {
                // A full disk can take the first part of a write: whole lines that landed are written; the
                // cut line is lost (EnsureOpen ends it before anything else is appended).
                int landed = (int)Math.Clamp(LengthQuietly() - writingFrom, 0, remaining.Length);
                int landedLines = remaining[..landed].Count((byte)'\n');
                _counters.AddLinesWritten(landedLines);
                remaining = remaining[landed..];
            }

            int lost = remaining.Count((byte)'\n');
            _counters.AddFileDropsIoError(lost);
            _counters.AddFileIoError();
            _retryAt = _time.GetTimestamp() + (long)(_options.RetryAfterError.TotalSeconds * _time.TimestampFrequency);
            FlowLogsLog.FileWriteFailed(_logger, _files.CurrentPath, _time.GetUtcNow() + _options.RetryAfterError, ex);
            CloseQuietly();
        }
    }

    private static int WholeLinesThatFit(ReadOnlySpan<byte> lines, long room)
    {
        if (room <= 0)
        {
            return 0;
        }

        if (lines.Length <= room)
        {
            return lines.Length;
        }

        int lastNewline = lines[..(int)room].LastIndexOf((byte)'\n');
        return lastNewline + 1;
    }

    private void EnsureOpen()
    {
        if (_stream is not null)
        {
            return;
        }

        Directory.CreateDirectory(_files.Directory);
        _stream = new FileStream(_files.CurrentPath, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
        });
        _size = _stream.Length;
        if (_size > 0 && !EndsWithNewline())
        {
            // A line cut short (a full disk): end it, so the next line starts on a line of its own.
            _stream.Write("\n"u8);
            _size++;
        }
    }

    private bool EndsWithNewline()
    {
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle read = File.OpenHandle(_files.CurrentPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> last = stackalloc byte[1];
            return RandomAccess.Read(read, last, _size - 1) != 1 || last[0] == (byte)'\n';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true; // cannot look: append as before rather than stop writing
        }
    }

    private long LengthQuietly()
    {
        try
        {
            return _stream?.Length ?? 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private void Rotate()
    {
        CloseQuietly();
        DateTime stamp = _time.GetUtcNow().UtcDateTime;
        stamp = new DateTime(stamp.Ticks - (stamp.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
        IReadOnlyList<string> existing = _files.Backups();
        if (existing.Count > 0 && _files.StampOf(existing[^1]) is { } newest && newest > _lastStamp)
        {
            // Names must sort in write order even if the clock was stepped back since the newest backup
            // was made (by this run or an earlier one): otherwise pruning would delete the newest lines.
            _lastStamp = newest;
        }

        if (stamp <= _lastStamp)
        {
            stamp = _lastStamp.AddMilliseconds(1);
        }

        string backup = _files.BackupPath(stamp);
        while (File.Exists(backup))
        {
            stamp = stamp.AddMilliseconds(1);
            backup = _files.BackupPath(stamp);
        }

        _lastStamp = stamp;
        if (File.Exists(_files.CurrentPath))
        {
            File.Move(_files.CurrentPath, backup);
            _counters.AddRotation();
            FlowLogsLog.FileRotated(_logger, backup);
            PruneBackups();
        }

        EnsureOpen();
    }

    private void PruneBackups()
    {
        IReadOnlyList<string> backups = _files.Backups();
        for (int i = 0; i < backups.Count - _options.MaxBackups; i++)
        {
            try
            {
                File.Delete(backups[i]);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                FlowLogsLog.BackupDeleteFailed(_logger, backups[i], ex);
            }
        }
    }

    private void CloseQuietly()
    {
        try
        {
            _stream?.Dispose();
        }
        catch (IOException)
        {
            // The data that failed is already counted; closing a broken file has nothing left to lose.
        }

        _stream = null;
        _size = 0;
    }
}
