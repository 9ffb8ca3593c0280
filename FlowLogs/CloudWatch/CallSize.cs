namespace Npa.FlowLogs.CloudWatch;

/// <summary>Events and bytes (message + per-event overhead) of a would-be PutLogEvents call.</summary>
internal struct CallSize
{
    private int _events;
    private long _bytes;

    public readonly bool FitsOneCall => CloudWatchBatcher.FitsOneCall(_events, _bytes);

    public static CallSize Of(List<QueuedFlow> flows)
    {
        CallSize size = default;
        foreach (QueuedFlow flow in flows)
        {
            size.Add(flow.Line.Length);
        }

        return size;
    }

    public void Add(int messageBytes)
    {
        _events++;
        _bytes += messageBytes + CloudWatchLimits.PerEventOverheadBytes;
    }
}
