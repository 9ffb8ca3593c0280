using System.Buffers;
using Npa.FlowLogs.Formatting;

namespace Npa.FlowLogs.CloudWatch;

/// <summary>
/// Pure folding of a CloudWatch backlog: flows with the same <see cref="FlowFoldKey"/> (equal in all
/// but source port, timestamp and count) become one <see cref="FlowSummary"/> event; a key seen once
/// keeps its line byte for byte. Deterministic: the same flows in the same order give the same events,
/// in the order their keys first appear. Not thread-safe (one instance per shipper loop).
/// </summary>
public sealed class FlowSummaryFolder
{
    /// <summary>At most this many source ports are listed in a summary; the rest are counted in <c>Src Ports Omitted</c>.</summary>
    public const int MaxListedPorts = 64;

    private readonly FlowLogFormatter _formatter;
    private readonly Dictionary<FlowFoldKey, Group> _groups = [];
    private readonly List<Group> _order = [];
    private readonly ArrayBufferWriter<byte> _line = new(2048);

    public FlowSummaryFolder(FlowLogFormatter formatter)
    {
        _formatter = formatter;
    }

    /// <summary>
    /// Appends one event per distinct key of <paramref name="flows"/> to <paramref name="events"/>, each
    /// carrying as many <see cref="LogEvent.Lines"/> as flows it stands for (so the lines of the events
    /// add up to <c>flows.Count</c>). Returns how many flows went into summaries of two or more.
    /// </summary>
    public int Fold(IReadOnlyList<QueuedFlow> flows, List<LogEvent> events)
    {
        try
        {
            for (int i = 0; i < flows.Count; i++)
            {
                QueuedFlow flow = flows[i];
                FlowFoldKey key = new(flow.Record);
                if (_groups.TryGetValue(key, out Group? group))
                {
                    group.Add(flow);
                }
                else
                {
                    group = new Group(i, flow);
                    _groups.Add(key, group);
                    _order.Add(group);
                }
            }

            int folded = 0;
            foreach (Group group in _order)
            {
                QueuedFlow first = flows[group.First];
                if (group.Flows == 1)
                {
                    events.Add(new LogEvent(first.TimestampMs, first.Line));
                    continue;
                }

                (ushort[] listed, int omitted) = group.ListedPorts();
                FlowSummary summary = new(first.Record, group.FirstSeen, group.LastSeen, group.Count, group.Flows, listed, omitted);
                _line.ResetWrittenCount();
                int n = _formatter.FormatSummary(summary, _line);
                events.Add(new LogEvent(LogEvent.UnixMilliseconds(group.FirstSeen), _line.WrittenSpan[..(n - 1)].ToArray(), group.Flows));
                folded += group.Flows;
            }

            return folded;
        }
        finally
        {
            _groups.Clear();
            _order.Clear();
        }
    }

    private sealed class Group
    {
        private readonly List<ushort> _ports;

        public Group(int first, in QueuedFlow flow)
        {
            First = first;
            FirstSeen = LastSeen = Utc(flow.Record.Timestamp);
            _ports = [flow.Record.SourcePort];
            Count = Math.Max(1, flow.Record.Count);
            Flows = 1;
        }

        /// <summary>Index of the group's first flow in the input.</summary>
        public int First { get; }

        public int Flows { get; private set; }

        public long Count { get; private set; }

        public DateTime FirstSeen { get; private set; }

        public DateTime LastSeen { get; private set; }

        public void Add(in QueuedFlow flow)
        {
            DateTime t = Utc(flow.Record.Timestamp);
            FirstSeen = t < FirstSeen ? t : FirstSeen;
            LastSeen = t > LastSeen ? t : LastSeen;
            _ports.Add(flow.Record.SourcePort);
            Count += Math.Max(1, flow.Record.Count);
            Flows++;
        }

        /// <summary>The lowest <see cref="MaxListedPorts"/> distinct ports, ascending, and how many distinct ones are left out.</summary>
        public (ushort[] Listed, int Omitted) ListedPorts()
        {
            _ports.Sort();
            int distinct = 0;
            for (int i = 0; i < _ports.Count; i++)
            {
                if (i == 0 || _ports[i] != _ports[i - 1])
                {
                    _ports[distinct++] = _ports[i];
                }
            }

            int listed = Math.Min(distinct, MaxListedPorts);
            return ([.. _ports.GetRange(0, listed)], distinct - listed);
        }

        private static DateTime Utc(DateTime t) => t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc);
    }
}
