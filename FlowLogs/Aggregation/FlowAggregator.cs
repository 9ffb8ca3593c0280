using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Records;

namespace Npa.FlowLogs.Aggregation;

/// <summary>
/// Decides which records become lines. DENY: the first of a 5-tuple+direction is logged at once;
/// repeats within <see cref="FlowAggregatorOptions.Window"/> (retransmitted SYNs) are counted and
/// come out as one line with Count = repeats when <see cref="Flush"/> finds the window closed. So the
/// sum of Count over the lines equals the denies seen. ACCEPT: logged per new flow only when enabled.
/// Single-threaded: one stage owns it. Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class FlowAggregator
{
    private readonly FlowAggregatorOptions _options;
    private readonly TimeProvider _time;
    private readonly FlowLogCounters _counters;
    private readonly Dictionary<FlowKey, Entry> _open = [];
    private readonly List<FlowKey> _closing = [];

    public FlowAggregator(FlowAggregatorOptions options, TimeProvider time, FlowLogCounters counters)
    {
        if (options.Window <= TimeSpan.Zero)
        {
            throw new ArgumentException($"aggregation window must be positive, got {options.Window}", nameof(options));
        }

        _options = options;
        _time = time;
        _counters = counters;
    }

    /// <summary>Flows with a window open now.</summary>
    public int OpenWindows => _open.Count;

    /// <summary>Offers one record; returns true when it is to be logged now (with Count 1).</summary>
    public bool Offer(in FlowRecord record)
    {
        if (record.Verdict != FlowVerdict.Deny)
        {
            if (_options.LogAccept)
            {
                return true;
            }

            _counters.AddAcceptSkipped();
            return false;
        }

        FlowKey key = FlowKey.Of(record);
        ref Entry entry = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_open, key);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry))
        {
            // A window is open for this flow until the next Flush after it closes.
            entry.Repeats++;
            entry.Last = record;
            _counters.AddEventsAggregated();
            return false;
        }

        if (_open.Count < _options.MaxTrackedFlows)
        {
            _open[key] = new Entry { OpenedAt = _time.GetTimestamp(), Last = record };
        }

        return true;
    }

    /// <summary>Adds one line per closed window that saw repeats to <paramref name="output"/>, and forgets closed windows.</summary>
    public void Flush(ICollection<FlowRecord> output, bool all = false)
    {
        long now = _time.GetTimestamp();
        _closing.Clear();
        foreach (var (key, entry) in _open)
        {
            if (all || _time.GetElapsedTime(entry.OpenedAt, now) >= _options.Window)
            {
                _closing.Add(key);
                if (entry.Repeats > 0)
                {
                    FlowRecord line = entry.Last;
                    line.Count = entry.Repeats;
                    output.Add(line);
                }
            }
        }

        foreach (FlowKey key in _closing)
        {
            _open.Remove(key);
        }
    }

    private struct Entry
    {
        public long OpenedAt;
        public int Repeats;
        public FlowRecord Last;
    }
}
