using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Pipeline;
using Npa.Tests.Shared;

namespace Npa.FlowLogs.Tests.CloudWatch;

public sealed class CloudWatchShipperTests : IAsyncLifetime
{
    private const string Group = "/aws/eks/test-cluster/cluster";
    private const string Stream = "network-policy-agent-flows-node-a";
    private FakeCloudWatchLogsServer _server = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly FlowLogCounters _counters = new();
    private int _produced;

    public async Task InitializeAsync() => _server = await FakeCloudWatchLogsServer.StartAsync().WaitAsync(TestTimeouts.Default);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _http.Dispose();
    }

    private CloudWatchShipper Shipper(int buffer = 200_000, TimeSpan? drain = null)
    {
        CloudWatchLogsClient client = new(_http, _server.Endpoint, FakeCloudWatchLogsServer.Region,
            new StaticAwsCredentialSource(new ImmutableCredentials(FakeCloudWatchLogsServer.AccessKey, FakeCloudWatchLogsServer.SecretKey, null)));
        CloudWatchShipper shipper = new(client, new CloudWatchShipperOptions
        {
            LogGroupName = Group,
            LogStreamName = Stream,
            BufferCapacity = buffer,
            BatchInterval = TimeSpan.FromMilliseconds(50),
            MaxRequestsPerSecond = 200,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(50),
            DrainTimeout = drain ?? TimeSpan.FromSeconds(20),
        }, _counters);
        shipper.Start();
        return shipper;
    }

    private void Produce(CloudWatchShipper shipper, int count, int padding = 0, DateTime? at = null)
    {
        DateTime t0 = at ?? DateTime.UtcNow;
        for (int i = 0; i < count; i++)
        {
            int seq = _produced++;
            shipper.Enqueue(t0.AddMilliseconds(i % 1000), Encoding.UTF8.GetBytes($"{{\"seq\":{seq},\"pad\":\"{new string('p', padding)}\"}}\n"));
        }
    }

    private void AssertEveryEventAccountedFor()
    {
        Assert.Empty(_server.Violations);
        Assert.Equal(_produced, _counters.CloudWatchEnqueued);
        Assert.Equal(_produced, _counters.CloudWatchDelivered + _counters.CloudWatchDropped);
        Assert.Equal(_counters.CloudWatchDelivered, _server.Messages(Group, Stream).Count);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using CancellationTokenSource cts = new(TestTimeouts.Default);
        while (!condition())
        {
            await Task.Delay(10, cts.Token);
        }
    }

    [Fact]
    public async Task Batching_25000Events_GoOutInValidCallsOfAtMost10000()
    {
        CloudWatchShipper shipper = Shipper();
        Produce(shipper, 25_000);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryEventAccountedFor();
        Assert.Equal(25_000, _counters.CloudWatchDelivered);
        Assert.InRange(_server.PutCalls, 3, 15);
        Assert.True(_server.HasGroup(Group));
        IReadOnlyList<string> messages = _server.Messages(Group, Stream);
        Assert.All(messages, m => Assert.False(m.EndsWith('\n'), "the newline is not part of the message"));
        Assert.Equal(25_000, messages.Select(m => JsonDocument.Parse(m).RootElement.GetProperty("seq").GetInt32()).Distinct().Count());
    }

    [Fact]
    public async Task LargeMessages_AreSplitByTheByteLimit()
    {
        CloudWatchShipper shipper = Shipper();
        Produce(shipper, 400, padding: 8000); // ~3.2 MB
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryEventAccountedFor();
        Assert.Equal(400, _counters.CloudWatchDelivered);
        Assert.True(_server.PutCalls >= 4, $"{_server.PutCalls} calls for 3.2 MB");
    }

    [Fact]
    public async Task Throttling_IsRetriedWithBackoffUntilDelivered()
    {
        _server.ThrottleNext(4);
        CloudWatchShipper shipper = Shipper();
        Produce(shipper, 1000);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryEventAccountedFor();
        Assert.Equal(1000, _counters.CloudWatchDelivered);
        Assert.True(_counters.CloudWatchRetries >= 4);
    }

    [Fact]
    public async Task ServerErrors_AreRetried()
    {
        _server.FailNext(3); // the first three calls of any kind answer 500
        CloudWatchShipper shipper = Shipper();
        Produce(shipper, 100);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryEventAccountedFor();
        Assert.Equal(100, _counters.CloudWatchDelivered);
    }

    [Fact]
    public async Task OutageThenRecovery_BufferedEventsAreDelivered()
    {
        _server.Outage = true;
        CloudWatchShipper shipper = Shipper();
        Produce(shipper, 2000);
        await WaitUntil(() => _counters.CloudWatchRetries >= 5);

        _server.Outage = false;
        Produce(shipper, 2000);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryEventAccountedFor();
        Assert.Equal(4000, _counters.CloudWatchDelivered);
    }

    [Fact]
    public async Task LongOutage_CostsCountedDropsNotMemory()
    {
        _server.Outage = true;
        CloudWatchShipper shipper = Shipper(buffer: 500);
        Produce(shipper, 50_000);
        Assert.True(shipper.Buffered <= 500);
        await WaitUntil(() => _counters.CloudWatchRetries >= 3);

        _server.Outage = false;
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryEventAccountedFor();
        Assert.True(_counters.CloudWatchDroppedBufferFull > 0);
        Assert.True(_counters.CloudWatchDelivered > 0);
    }

    [Fact]
    public async Task OutageThroughStop_LeftoversAreCountedAsDropped()
    {
        _server.Outage = true;
        CloudWatchShipper shipper = Shipper(drain: TimeSpan.FromMilliseconds(200));
        Produce(shipper, 300);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);
        Produce(shipper, 10); // after stop: counted, not buffered

        AssertEveryEventAccountedFor();
        Assert.Equal(0, _counters.CloudWatchDelivered);
        Assert.Equal(310, _counters.CloudWatchDroppedFailed);
    }

    [Fact]
    public async Task MissingStream_IsRecreatedAndTheBatchRetried()
    {
        CloudWatchShipper shipper = Shipper();
        Produce(shipper, 10);
        await WaitUntil(() => _counters.CloudWatchDelivered == 10);

        _server.DeleteStream(Group, Stream);
        Produce(shipper, 10);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        Assert.Equal(20, _counters.CloudWatchDelivered);
        Assert.Equal(2, _server.Calls["CreateLogStream"]);
        Assert.Equal(10, _server.Messages(Group, Stream).Count); // the recreated stream holds the second batch
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task ExistingGroup_IsNotCreatedAgain()
    {
        _server.AddGroup(Group);
        CloudWatchShipper shipper = Shipper();
        Produce(shipper, 5);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryEventAccountedFor();
        Assert.False(_server.Calls.ContainsKey("CreateLogGroup"));
        Assert.Equal(1, _server.Calls["DescribeLogGroups"]);
    }

    [Fact]
    public async Task ShipperRestart_ReusesTheStreamAndLosesNothingUncounted()
    {
        CloudWatchShipper first = Shipper();
        Produce(first, 3000);
        await first.StopAsync().WaitAsync(TestTimeouts.Default);

        CloudWatchShipper second = Shipper();
        Produce(second, 3000);
        await second.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryEventAccountedFor();
        Assert.Equal(6000, _counters.CloudWatchDelivered);
        Assert.Equal(2, _server.Calls["CreateLogStream"]); // the second answered ResourceAlreadyExists, which is fine
    }

    [Fact]
    public async Task RejectedLogEventsInfo_IsCounted()
    {
        _server.RejectTooOldNext(7);
        CloudWatchShipper shipper = Shipper();
        Produce(shipper, 100);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryEventAccountedFor();
        Assert.Equal(7, _counters.CloudWatchRejected);
        Assert.Equal(93, _counters.CloudWatchDelivered);
    }

    [Fact]
    public async Task EventsOutsideTheAcceptedTimeRange_AreDroppedAndCounted()
    {
        CloudWatchShipper shipper = Shipper();
        Produce(shipper, 5, at: DateTime.UtcNow.AddDays(-15));
        Produce(shipper, 5, at: DateTime.UtcNow.AddHours(3));
        Produce(shipper, 5);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryEventAccountedFor();
        Assert.Equal(10, _counters.CloudWatchDroppedOutOfRange);
        Assert.Equal(5, _counters.CloudWatchDelivered);
    }

    [Fact]
    public async Task SessionToken_IsSentAndSigned()
    {
        CloudWatchLogsClient client = new(_http, _server.Endpoint, FakeCloudWatchLogsServer.Region,
            new StaticAwsCredentialSource(new ImmutableCredentials(FakeCloudWatchLogsServer.AccessKey, FakeCloudWatchLogsServer.SecretKey, "session-token-from-irsa")));

        await client.CreateLogGroupAsync(Group, CancellationToken.None).WaitAsync(TestTimeouts.Default);

        Assert.True(_server.HasGroup(Group));
        Assert.Empty(_server.Violations);
        Assert.Contains("x-amz-security-token", _server.LastSignedHeaders);
    }

    [Fact]
    public async Task WrongSecret_IsSeenByTheEndpointAsABadSignature()
    {
        CloudWatchLogsClient client = new(_http, _server.Endpoint, FakeCloudWatchLogsServer.Region,
            new StaticAwsCredentialSource(new ImmutableCredentials(FakeCloudWatchLogsServer.AccessKey, "not-the-secret", null)));

        CloudWatchLogsException ex = await Assert.ThrowsAsync<CloudWatchLogsException>(() => client.DescribeLogGroupsAsync(Group, CancellationToken.None)).WaitAsync(TestTimeouts.Default);
        Assert.Equal("InvalidSignatureException", ex.ErrorType);
        Assert.False(ex.IsRetryable);
    }
}
