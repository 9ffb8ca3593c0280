using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Npa.FlowLogs.Records;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Formatting;

/// <summary>
/// Pure formatter: one <see cref="FlowRecord"/> to one JSON object on one line (UTF-8, ending in '\n',
/// no other newline), fields in the fixed order of <see cref="FlowLogFields"/>. Hand-written UTF-8:
/// after the first use of a given rule or pod name nothing is allocated per line.
/// </summary>
public sealed class FlowLogFormatter
{
    private const int FixedPartBound = 512;

    // "Src Ports":[], "Src Ports Omitted", a 64-bit Count, "Flows" and "Last Timestamp", with room to spare.
    private const int SummaryExtraBound = 256;

    /// <summary>
    /// Isolating policies listed in one line; more are counted in "Isolating Policies Omitted". Together
    /// with <see cref="MaxPeerTextLength"/> this keeps every line far below Fluent Bit's default
    /// Buffer_Max_Size (32 KiB), beyond which <c>Skip_Long_Lines On</c> would skip the line.
    /// </summary>
    public const int MaxIsolatingPolicies = 16;

    /// <summary>Characters of a rule's peer description kept in "Rule"; longer ones end in "...".</summary>
    public const int MaxPeerTextLength = 512;

    private readonly byte[] _nodeJson;
    private readonly ConditionalWeakTable<RuleRef, byte[]> _ruleFields = new();
    private readonly ConditionalWeakTable<IReadOnlyList<string>, byte[]> _isolatingFields = new();
    private SecondPrefix _secondPrefix = new(long.MinValue, []); // replaced whole, so concurrent callers stay safe

    public FlowLogFormatter(string? nodeName)
    {
        NodeName = string.IsNullOrEmpty(nodeName) ? null : nodeName;
        _nodeJson = NodeName is null ? [] : Field(FlowLogFields.Node, NodeName);
    }

    public string? NodeName { get; }

    /// <summary>Appends one line (with its '\n') to <paramref name="output"/> and returns its length in bytes.</summary>
    public int Format(in FlowRecord record, IBufferWriter<byte> output)
    {
        byte[]? tail = TailField(record);
        Span<byte> span = output.GetSpan(LineBound(record, tail));
        int n = Write(record, tail, span);
        output.Advance(n);
        return n;
    }

    /// <summary>Formats one line into a new string (without the trailing newline); for tools and tests.</summary>
    public string FormatToString(in FlowRecord record)
    {
        FlowRecord r = record;
        return WithoutNewline(buffer => Format(r, buffer));
    }

    /// <summary>
    /// Appends one summary line (with its '\n'): the per-flow fields of <see cref="FlowSummary.Flow"/>
    /// with <c>Src Port</c> replaced by <c>Src Ports</c> (and <c>Src Ports Omitted</c> when some are not
    /// listed), <c>timestamp</c> the first seen, <c>Count</c> the sum, then <c>Flows</c> and
    /// <c>Last Timestamp</c>. Returns its length in bytes.
    /// </summary>
    public int FormatSummary(in FlowSummary summary, IBufferWriter<byte> output)
    {
        FlowRecord record = summary.Flow;
        byte[]? tail = TailField(record);
        Span<byte> d = output.GetSpan(LineBound(record, tail) + (summary.SourcePorts.Length * 6) + SummaryExtraBound);
        int p = WriteHead(summary.FirstSeen, record, d);
        Put(d, ref p, "\",\"Src Ports\":["u8);
        for (int i = 0; i < summary.SourcePorts.Length; i++)
        {
            if (i > 0)
            {
                d[p++] = (byte)',';
            }

            PutNumber(d, ref p, summary.SourcePorts[i]);
        }

        d[p++] = (byte)']';
        if (summary.SourcePortsOmitted > 0)
        {
            Put(d, ref p, ",\"Src Ports Omitted\":"u8);
            PutNumber(d, ref p, summary.SourcePortsOmitted);
        }

        p = WriteBody(record, tail, d, p);
        Put(d, ref p, ",\"Count\":"u8);
        summary.Count.TryFormat(d[p..], out int w);
        p += w;
        Put(d, ref p, ",\"Flows\":"u8);
        PutNumber(d, ref p, summary.Flows);
        Put(d, ref p, ",\"Last Timestamp\":\""u8);
        p += WriteTimestamp(summary.LastSeen, d[p..]);
        Put(d, ref p, "\"}\n"u8);
        output.Advance(p);
        return p;
    }

    /// <summary>Formats one summary line into a new string (without the trailing newline); for tools and tests.</summary>
    public string FormatSummaryToString(in FlowSummary summary)
    {
        FlowSummary s = summary;
        return WithoutNewline(buffer => FormatSummary(s, buffer));
    }

    private static string WithoutNewline(Func<ArrayBufferWriter<byte>, int> format)
    {
        ArrayBufferWriter<byte> buffer = new(2048);
        int n = format(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan[..(n - 1)]);
    }

    /// <summary>Bytes one line of <paramref name="record"/> can take, at most (names may need escaping).</summary>
    private int LineBound(in FlowRecord record, byte[]? tail) =>
        FixedPartBound + _nodeJson.Length
        + StringBound(record.SourceNamespace) + StringBound(record.SourcePod)
        + StringBound(record.DestinationNamespace) + StringBound(record.DestinationPod)
        + (tail?.Length ?? 0);

    private int Write(in FlowRecord r, byte[]? tail, Span<byte> d)
    {
        int p = WriteHead(r.Timestamp, r, d);
        Put(d, ref p, "\",\"Src Port\":"u8);
        PutNumber(d, ref p, r.SourcePort);
        p = WriteBody(r, tail, d, p);
        Put(d, ref p, ",\"Count\":"u8);
        PutNumber(d, ref p, Math.Max(1, r.Count));
        Put(d, ref p, "}\n"u8);
        return p;
    }

    /// <summary>From the opening brace to the source address, without its closing quote.</summary>
    private int WriteHead(DateTime timestamp, in FlowRecord r, Span<byte> d)
    {
        int p = 0;
        Put(d, ref p, "{\"level\":\"info\",\"timestamp\":\""u8);
        p += WriteTimestamp(timestamp, d[p..]);
        Put(d, ref p, "\",\"logger\":\"ebpf-client\",\"msg\":\"Flow Info: \",\"Src IP\":\""u8);
        r.Source.TryFormatUtf8(d[p..], out int w);
        return p + w;
    }

    /// <summary>From the destination address to the policy fields, everything between the source port(s) and the count.</summary>
    private int WriteBody(in FlowRecord r, byte[]? tail, Span<byte> d, int p)
    {
        Put(d, ref p, ",\"Dest IP\":\""u8);
        r.Destination.TryFormatUtf8(d[p..], out int w);
        p += w;
        Put(d, ref p, "\",\"Dest Port\":"u8);
        PutNumber(d, ref p, r.DestinationPort);
        Put(d, ref p, ",\"Proto\":"u8);
        Put(d, ref p, ProtocolJson(r.Protocol, d[p..], out w));
        p += w;
        Put(d, ref p, r.Verdict switch
        {
            FlowVerdict.Allow => ",\"Verdict\":\"ACCEPT\""u8,
            FlowVerdict.Deny => ",\"Verdict\":\"DENY\""u8,
            _ => ",\"Verdict\":\"UNKNOWN\""u8,
        });
        Put(d, ref p, r.Direction switch
        {
            Direction.Ingress => ",\"Direction\":\"ingress\""u8,
            Direction.Egress => ",\"Direction\":\"egress\""u8,
            _ => ""u8,
        });
        Put(d, ref p, _nodeJson);
        PutOptional(d, ref p, ",\"Src Namespace\":\""u8, r.SourceNamespace);
        PutOptional(d, ref p, ",\"Src Pod\":\""u8, r.SourcePod);
        PutOptional(d, ref p, ",\"Dest Namespace\":\""u8, r.DestinationNamespace);
        PutOptional(d, ref p, ",\"Dest Pod\":\""u8, r.DestinationPod);
        if (tail is not null)
        {
            Put(d, ref p, tail);
        }

        return p;
    }

    private byte[]? TailField(in FlowRecord r)
    {
        if (r.Rule is { } rule)
        {
            return _ruleFields.GetValue(rule, static x =>
            {
                string dir = x.Direction switch { Direction.Ingress => "ingress", Direction.Egress => "egress", _ => "unknown" };
                string peer = x.Peer.Length > MaxPeerTextLength ? string.Concat(x.Peer.AsSpan(0, MaxPeerTextLength), "...") : x.Peer;
                string text = string.IsNullOrEmpty(peer) ? $"{dir}[{x.RuleIndex}]" : $"{dir}[{x.RuleIndex}] {peer}";
                return [.. Field(FlowLogFields.Policy, $"{x.PolicyNamespace}/{x.PolicyName}"), .. Field(FlowLogFields.Rule, text)];
            });
        }

        if (r.IsolatingPolicies is { Count: > 0 } isolating)
        {
            return _isolatingFields.GetValue(isolating, static list =>
            {
                StringBuilder sb = new();
                sb.Append(",\"").Append(FlowLogFields.IsolatingPolicies).Append("\":[");
                int listed = Math.Min(list.Count, MaxIsolatingPolicies);
                for (int i = 0; i < listed; i++)
                {
                    sb.Append(i == 0 ? "\"" : ",\"").Append(JsonEscape(list[i])).Append('"');
                }

                sb.Append(']');
                if (list.Count > listed)
                {
                    sb.Append(",\"").Append(FlowLogFields.IsolatingPoliciesOmitted).Append("\":").Append(list.Count - listed);
                }

                return Encoding.UTF8.GetBytes(sb.ToString());
            });
        }

        return null;
    }

    private static ReadOnlySpan<byte> ProtocolJson(byte protocol, Span<byte> scratch, out int written)
    {
        written = 0;
        switch (protocol)
        {
            case (byte)Protocol.Tcp: return "\"TCP\""u8;
            case (byte)Protocol.Udp: return "\"UDP\""u8;
            case (byte)Protocol.Sctp: return "\"SCTP\""u8;
            case (byte)Protocol.Icmp: return "\"ICMP\""u8;
            case (byte)Protocol.IcmpV6: return "\"ICMPv6\""u8;
            default:
                protocol.TryFormat(scratch, out written);
                return [];
        }
    }

    /// <summary>Writes "yyyy-MM-ddTHH:mm:ss.fffZ" (RFC 3339, UTC, milliseconds); the part up to the second is reused while it lasts.</summary>
    private int WriteTimestamp(DateTime t, Span<byte> d)
    {
        DateTime u = t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t;
        long second = u.Ticks / TimeSpan.TicksPerSecond;
        SecondPrefix prefix = _secondPrefix;
        if (prefix.Second != second)
        {
            byte[] bytes = new byte[20];
            WriteSecondPrefix(u, bytes);
            prefix = new SecondPrefix(second, bytes);
            _secondPrefix = prefix;
        }

        prefix.Bytes.CopyTo(d);
        Digits(d, 20, (int)(u.Ticks / TimeSpan.TicksPerMillisecond % 1000), 3);
        d[23] = (byte)'Z';
        return 24;
    }

    /// <summary>"yyyy-MM-ddTHH:mm:ss." of one whole second since 0001-01-01.</summary>
    private sealed record SecondPrefix(long Second, byte[] Bytes);

    private static void WriteSecondPrefix(DateTime u, Span<byte> d)
    {
        Digits(d, 0, u.Year, 4);
        d[4] = (byte)'-';
        Digits(d, 5, u.Month, 2);
        d[7] = (byte)'-';
        Digits(d, 8, u.Day, 2);
        d[10] = (byte)'T';
        Digits(d, 11, u.Hour, 2);
        d[13] = (byte)':';
        Digits(d, 14, u.Minute, 2);
        d[16] = (byte)':';
        Digits(d, 17, u.Second, 2);
        d[19] = (byte)'.';
    }

    private static void Digits(Span<byte> d, int at, int value, int width)
    {
        for (int i = width - 1; i >= 0; i--)
        {
            d[at + i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }

    private static void Put(Span<byte> d, ref int p, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(d[p..]);
        p += bytes.Length;
    }

    private static void PutNumber(Span<byte> d, ref int p, int value)
    {
        value.TryFormat(d[p..], out int w);
        p += w;
    }

    private static void PutOptional(Span<byte> d, ref int p, ReadOnlySpan<byte> prefix, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        Put(d, ref p, prefix);
        p += WriteEscaped(value, d[p..]);
        d[p++] = (byte)'"';
    }

    private static int StringBound(string? s) => s is null ? 0 : 32 + (s.Length * 6);

    /// <summary>Writes a JSON string body (no quotes) as UTF-8, escaping quotes, backslashes and control characters.</summary>
    internal static int WriteEscaped(string value, Span<byte> d)
    {
        int n = Encoding.UTF8.GetBytes(value, d);
        int special = d[..n].IndexOfAny(EscapeNeeded);
        if (special < 0)
        {
            return n;
        }

        byte[] escaped = Encoding.UTF8.GetBytes(JsonEscape(value));
        escaped.CopyTo(d);
        return escaped.Length;
    }

    private static readonly SearchValues<byte> EscapeNeeded = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(static b => (byte)b), (byte)'"', (byte)'\\', 0x7F]);

    internal static string JsonEscape(string value)
    {
        StringBuilder sb = new(value.Length + 8);
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4"));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    private static byte[] Field(string name, string value) =>
        Encoding.UTF8.GetBytes($",\"{JsonEscape(name)}\":\"{JsonEscape(value)}\"");
}
