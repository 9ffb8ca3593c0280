using Npa.FlowLogs.CloudWatch;

namespace Npa.FlowLogs.Tests.CloudWatch;

public class CloudWatchBatcherTests
{
    private const long Now = 1_800_000_000_000;

    private static LogEvent Event(long ts, int size = 10) => new(ts, new byte[size]);

    [Fact]
    public void Batch_IsChronological()
    {
        List<LogEvent> pending = [Event(Now - 1), Event(Now - 3), Event(Now - 2)];
        List<LogEvent> batch = [];
        CloudWatchBatcher.TakeBatch(pending, batch, Now);
        Assert.Equal([Now - 3, Now - 2, Now - 1], batch.Select(e => e.TimestampMs));
        Assert.Empty(pending);
    }

    [Fact]
    public void Batch_StopsAt10000Events()
    {
        List<LogEvent> pending = [.. Enumerable.Range(0, 10_001).Select(i => Event(Now - 20_000 + i))];
        List<LogEvent> batch = [];
        CloudWatchBatcher.TakeBatch(pending, batch, Now);
        Assert.Equal(10_000, batch.Count);
        Assert.Single(pending);
    }

    [Fact]
    public void Batch_StopsBeforeTheByteLimitCountingTwentySixBytesPerEvent()
    {
        // 1022 x (1000 + 26) = 1,048,572 fits in 1,048,576; a 1023rd event would not.
        List<LogEvent> pending = [.. Enumerable.Range(0, 2000).Select(i => Event(Now - 5000 + i, size: 1000))];
        List<LogEvent> batch = [];
        CloudWatchBatcher.TakeBatch(pending, batch, Now);
        Assert.Equal(1022, batch.Count);
        Assert.True(batch.Sum(e => e.BatchBytes) <= CloudWatchLimits.MaxBatchBytes);
    }

    [Fact]
    public void Batch_SpansLessThan24Hours()
    {
        long dayMs = (long)TimeSpan.FromHours(24).TotalMilliseconds;
        long start = Now - (3 * dayMs);
        List<LogEvent> pending = [Event(start), Event(start + dayMs - 1), Event(start + dayMs), Event(start + dayMs + 5)];
        List<LogEvent> batch = [];
        CloudWatchBatcher.TakeBatch(pending, batch, Now);
        Assert.Equal([start, start + dayMs - 1], batch.Select(e => e.TimestampMs));
        Assert.Equal(2, pending.Count);
    }

    [Fact]
    public void TooOldTooNewAndOversizedEvents_AreDroppedAndCounted()
    {
        List<LogEvent> pending =
        [
            Event(Now - (long)TimeSpan.FromDays(14.01).TotalMilliseconds),
            Event(Now + (long)TimeSpan.FromHours(2.01).TotalMilliseconds),
            Event(Now, size: CloudWatchLimits.MaxMessageBytes + 1),
            Event(Now),
        ];
        List<LogEvent> batch = [];
        int dropped = CloudWatchBatcher.TakeBatch(pending, batch, Now);
        Assert.Equal(3, dropped);
        Assert.Single(batch);
    }

    [Fact]
    public void RejectedInfo_CountsBothEnds()
    {
        Assert.Equal(0, PutLogEventsResult.AllAccepted.RejectedCount(10));
        Assert.Equal(3, new PutLogEventsResult(null, 3, null).RejectedCount(10));
        Assert.Equal(2, new PutLogEventsResult(8, null, null).RejectedCount(10));
        Assert.Equal(6, new PutLogEventsResult(6, 2, 2).RejectedCount(10));
    }

    [Fact]
    public void RejectedInfo_CountsTheLinesOfRejectedSummaries()
    {
        List<LogEvent> batch = [new(Now - 3, new byte[10], Lines: 5), new(Now - 2, new byte[10]), new(Now - 1, new byte[10], Lines: 40)];

        Assert.Equal(0, PutLogEventsResult.AllAccepted.RejectedLines(batch));
        Assert.Equal(5, new PutLogEventsResult(null, 1, null).RejectedLines(batch));
        Assert.Equal(40, new PutLogEventsResult(2, null, null).RejectedLines(batch));
        Assert.Equal(46, new PutLogEventsResult(1, null, 1).RejectedLines(batch));
    }

    [Fact]
    public void OutOfRangeSummaries_AreDroppedAsTheLinesTheyCarry()
    {
        List<LogEvent> pending = [new(Now - (long)TimeSpan.FromDays(15).TotalMilliseconds, new byte[10], Lines: 12), new(Now, new byte[10], Lines: 3)];
        List<LogEvent> batch = [];

        int dropped = CloudWatchBatcher.TakeBatch(pending, batch, Now);

        Assert.Equal(12, dropped);
        Assert.Equal(3, Assert.Single(batch).Lines);
    }

    [Fact]
    public void LogGroup_FollowsTheEksNaming()
    {
        Assert.Equal("/aws/eks/prod/cluster", CloudWatchShipperOptions.LogGroupFor("prod", isEks: true));
        Assert.Equal("/aws/k8s-cluster/cluster", CloudWatchShipperOptions.LogGroupFor("prod", isEks: false));
        Assert.Equal("/aws/k8s-cluster/cluster", CloudWatchShipperOptions.LogGroupFor(null, isEks: true));
    }

    [Fact]
    public void Endpoint_ExplicitOptionWinsAndBadUrlsAreNamed()
    {
        Assert.Equal(new Uri("http://127.0.0.1:4566/"), CloudWatchLogsClient.ResolveEndpoint("us-east-1", "http://127.0.0.1:4566/"));
        ArgumentException ex = Assert.Throws<ArgumentException>(() => CloudWatchLogsClient.ResolveEndpoint("us-east-1", "ftp://x"));
        Assert.Contains("ftp://x", ex.Message);
    }
}
