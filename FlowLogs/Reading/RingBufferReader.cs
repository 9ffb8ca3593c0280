using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.FlowLogs.Decoding;
using Npa.FlowLogs.Native;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Records;

namespace Npa.FlowLogs.Reading;

/// <summary>
/// Reads verdict events from the pinned ring buffer on a dedicated thread (ring_buffer__poll blocks in
/// epoll_wait), decodes each in the callback (the event bytes live only that long), and writes the
/// record to a bounded channel. When the channel is full the reader stops taking from the ring (the
/// record that did not fit is held and goes first) until the stage makes room: the kernel ring, megabytes
/// large, is the buffer, and what overflows it is counted by the datapath. So a burst the stage can
/// catch up with loses nothing. The stage itself never waits on its outputs (the file writer and
/// CloudWatch drop and count), so the reader never waits on the file or on CloudWatch.
/// </summary>
public sealed unsafe class RingBufferReader : IDisposable
{
    private readonly RingBufferReaderOptions _options;
    private readonly VerdictEventDecoder _decoder;
    private readonly FlowLogCounters _counters;
    private readonly ILogger _logger;
    private readonly Channel<FlowRecord> _channel;
    private Thread? _thread;
    private volatile bool _stopping;
    private FlowRecord _held;
    private bool _holding;
    private Task<bool>? _room; // the pending wait for room, reused across timeouts (reader thread only)
    private GCHandle _self;
    private nint _ring;
    private int _ringFd = -1;
    private int _dropFd = -1;

    public RingBufferReader(RingBufferReaderOptions options, VerdictEventDecoder decoder, FlowLogCounters counters, ILogger? logger = null)
    {
        if (options.ChannelCapacity < 1)
        {
            throw new ArgumentException($"ring buffer reader channel capacity must be positive, got {options.ChannelCapacity}", nameof(options));
        }

        _options = options;
        _decoder = decoder;
        _counters = counters;
        _logger = logger ?? NullLogger.Instance;
        _channel = Channel.CreateBounded<FlowRecord>(
            new BoundedChannelOptions(options.ChannelCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleWriter = true, SingleReader = true });
    }

    /// <summary>Decoded records, in ring-buffer order.</summary>
    public ChannelReader<FlowRecord> Records => _channel.Reader;

    /// <summary>Opens the pinned ring buffer (and drop counter) and starts the reading thread.</summary>
    public void Start()
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException("the ring buffer reader is already started");
        }

        _ringFd = LibBpfRing.bpf_obj_get(_options.PinPath);
        if (_ringFd < 0)
        {
            int errno = _ringFd < -1 ? -_ringFd : Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open pinned ring buffer {_options.PinPath}: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)}); is bpffs mounted and the enforcer running?");
        }

        if (_options.DropCounterPinPath is { } dropPath)
        {
            _dropFd = LibBpfRing.bpf_obj_get(dropPath);
            if (_dropFd < 0)
            {
                FlowLogsLog.DropCounterReadFailed(_logger, dropPath, _dropFd < -1 ? -_dropFd : Marshal.GetLastPInvokeError());
                _dropFd = -1;
            }
        }

        _self = GCHandle.Alloc(this);
        _ring = LibBpfRing.ring_buffer__new(_ringFd, &OnSample, GCHandle.ToIntPtr(_self), 0);
        if (_ring == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Cleanup();
            throw new IOException($"ring_buffer__new on {_options.PinPath} failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)}); is it a BPF_MAP_TYPE_RINGBUF map?");
        }

        FlowLogsLog.ReaderStarted(_logger, _options.PinPath);
        _thread = new Thread(Run) { IsBackground = true, Name = "npa-ringbuf" };
        _thread.Start();
    }

    /// <summary>
    /// Decodes one event and hands it on. Returns false when the channel is full: the record is then
    /// held, nothing more may be taken from the ring until <see cref="TryHandOnHeld"/> succeeds.
    /// </summary>
    public bool Deliver(ReadOnlySpan<byte> eventBytes)
    {
        if (_holding)
        {
            throw new InvalidOperationException("a record is still held: hand it on before taking more from the ring");
        }

        _counters.AddEventsRead();
        if (!_decoder.TryDecode(eventBytes, out FlowRecord record, out _))
        {
            _counters.AddDecodeError();
            return true;
        }

        if (_channel.Writer.TryWrite(record))
        {
            return true;
        }

        _held = record;
        _holding = true;
        return false;
    }

    /// <summary>Whether a record is waiting for room in the channel.</summary>
    public bool Holding => _holding;

    /// <summary>Hands the held record on if the channel has room now; true when nothing is held any more.</summary>
    public bool TryHandOnHeld()
    {
        if (_holding && _channel.Writer.TryWrite(_held))
        {
            _holding = false;
            _held = default;
        }

        return !_holding;
    }

    public long ReadRingBufferDrops()
    {
        if (_dropFd < 0)
        {
            return 0;
        }

        int cpus = LibBpfRing.libbpf_num_possible_cpus();
        if (cpus <= 0)
        {
            return 0;
        }

        ulong* values = stackalloc ulong[cpus];
        uint key = _options.DropCounterKey;
        int rc = LibBpfRing.bpf_map_lookup_elem(_dropFd, &key, values);
        if (rc != 0)
        {
            FlowLogsLog.DropCounterReadFailed(_logger, _options.DropCounterPinPath!, -rc);
            return 0;
        }

        long sum = 0;
        for (int i = 0; i < cpus; i++)
        {
            sum += (long)values[i];
        }

        _counters.SetRingBufferDrops(sum);
        return sum;
    }

    public void Dispose()
    {
        _stopping = true;
        if (_thread is not null && _thread.ManagedThreadId != Environment.CurrentManagedThreadId)
        {
            _thread.Join();
        }

        Cleanup();
        _channel.Writer.TryComplete();
    }

    private void Run()
    {
        int timeout = (int)_options.PollTimeout.TotalMilliseconds;
        long nextDropRead = 0;
        while (!_stopping)
        {
            // Also while the stage is behind: that is when the ring overflows, and the metric must say so then.
            long now = Stopwatch.GetTimestamp();
            if (now >= nextDropRead)
            {
                ReadRingBufferDrops();
                nextDropRead = now + (long)(_options.DropCounterInterval.TotalSeconds * Stopwatch.Frequency);
            }

            if (!TryHandOnHeld())
            {
                // The stage is behind: leave the events in the ring until it makes room.
                WaitForRoom(_options.PollTimeout);
                continue;
            }

            int rc = LibBpfRing.ring_buffer__poll(_ring, timeout);
            if (rc == -Held && _holding)
            {
                continue;
            }

            if (rc < 0 && rc != -4 /* EINTR */)
            {
                FlowLogsLog.ReaderPollFailed(_logger, _options.PinPath, -rc);
                break;
            }
        }

        if (_holding && !TryHandOnHeld())
        {
            _counters.AddReaderChannelDrop(); // stopping with the stage full: the one held record is lost, counted
            _holding = false;
        }

        _channel.Writer.TryComplete();
    }

    /// <summary>
    /// Waits at most <paramref name="timeout"/> for room in the channel. The channel keeps every wait
    /// registered until room appears, so one pending wait is kept and waited on again rather than a new
    /// one registered per timeout (which would grow without bound while the stage is stuck).
    /// </summary>
    internal void WaitForRoom(TimeSpan timeout)
    {
        if (_room is null || _room.IsCompleted)
        {
            ValueTask<bool> room = _channel.Writer.WaitToWriteAsync();
            if (room.IsCompleted)
            {
                _room = null;
                return;
            }

            _room = room.AsTask();
        }

        _room.Wait(timeout);
    }

    private void Cleanup()
    {
        if (_ring != 0)
        {
            LibBpfRing.ring_buffer__free(_ring);
            _ring = 0;
        }

        if (_self.IsAllocated)
        {
            _self.Free();
        }

        if (_ringFd >= 0)
        {
            _ = LibBpfRing.close(_ringFd); // cleanup: nothing to do about a failed close
            _ringFd = -1;
        }

        if (_dropFd >= 0)
        {
            _ = LibBpfRing.close(_dropFd);
            _dropFd = -1;
        }
    }

    /// <summary>EAGAIN: what the sample callback returns to make libbpf stop consuming (the sample it was given is held).</summary>
    private const int Held = 11;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnSample(nint ctx, void* data, nuint size)
    {
        if (GCHandle.FromIntPtr(ctx).Target is RingBufferReader reader && !reader.Deliver(new ReadOnlySpan<byte>(data, (int)size)))
        {
            return -Held;
        }

        return 0;
    }
}
