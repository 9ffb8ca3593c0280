using System.Buffers;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Formatting;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Records;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Tests.Shared;

namespace Npa.FlowLogs.Tests.CloudWatch;

public sealed class CloudWatchShipperTests : IAsyncLifetime
{
    private const string Group = "/aws/eks/test-cluster/cluster";
    private const string Stream = "network-policy-agent-flows-node-a";
    private const string Node = "node-a";
    private static readonly RuleRef AllowWeb = SampleFlows.AllowWeb;
    private FakeCloudWatchLogsServer _server = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly FlowLogCounters _counters = new();
    private readonly FlowLogFormatter _formatter = new(Node);
    private readonly ArrayBufferWriter<byte> _line = new(4096);
    private readonly List<string> _lines = [];
    private int _produced;

    public async Task InitializeAsync() => _server = await FakeCloudWatchLogsServer.StartAsync().WaitAsync(TestTimeouts.Default);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _http.Dispose();
    }

    private static ImmutableCredentials GoodCredentials => new(FakeCloudWatchLogsServer.AccessKey, FakeCloudWatchLogsServer.SecretKey, null);

    private CloudWatchShipper Shipper(int buffer = 200_000, TimeSpan? drain = null, bool start = true, IAwsCredentialSource? credentials = null)
    {
        CloudWatchLogsClient client = new(_http, _server.Endpoint, FakeCloudWatchLogsServer.Region,
            credentials ?? new StaticAwsCredentialSource(GoodCredentials));
        CloudWatchShipper shipper = new(client, new CloudWatchShipperOptions
        {
            LogGroupName = Group,
            LogStreamName = Stream,
            NodeName = Node,
            BufferCapacity = buffer,
            BatchInterval = TimeSpan.FromMilliseconds(50),
            MaxRequestsPerSecond = 200,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(50),
            DrainTimeout = drain ?? TimeSpan.FromSeconds(20),
        }, _counters);
        if (start)
        {
            shipper.Start();
        }

        return shipper;
    }

    /// <summary>A flow from web to the database that only <paramref name="sourcePort"/> tells apart: such flows fold.</summary>
    private static FlowRecord SameKeyFlow(ushort sourcePort, DateTime at) => SampleFlows.WebToDatabase(sourcePort, at);

    /// <summary>A flow from its own source address (from <paramref name="seq"/>): no two such flows fold.</summary>
    private static FlowRecord DistinctFlow(int seq, DateTime at) =>
        SameKeyFlow(40000, at) with { Source = FlowAddress.Parse($"10.{(seq >> 16) & 255}.{(seq >> 8) & 255}.{seq & 255}") };

    private void Produce(CloudWatchShipper shipper, in FlowRecord record)
    {
        _line.ResetWrittenCount();
        int n = _formatter.Format(record, _line);
        shipper.Enqueue(record, _line.WrittenSpan[..n]); // with its newline, as the pipeline hands it over
        _lines.Add(Encoding.UTF8.GetString(_line.WrittenSpan[..(n - 1)]));
        _produced++;
    }

    private void ProduceDistinct(CloudWatchShipper shipper, int count, DateTime? at = null, int isolatingPolicies = 0)
    {
        DateTime t0 = at ?? DateTime.UtcNow;
        string[]? policies = isolatingPolicies == 0 ? null : [.. Enumerable.Range(0, isolatingPolicies).Select(i => $"db/deny-{i}-{new string('p', 240)}")];
        for (int i = 0; i < count; i++)
        {
            FlowRecord flow = DistinctFlow(_produced, t0.AddMilliseconds(i % 1000));
            if (policies is not null)
            {
                flow = flow with { Verdict = FlowVerdict.Deny, Rule = null, IsolatingPolicies = policies };
            }

            Produce(shipper, flow);
        }
    }

    private void ProduceSameKey(CloudWatchShipper shipper, int count)
    {
        DateTime t0 = DateTime.UtcNow;
        for (int i = 0; i < count; i++)
        {
            Produce(shipper, SameKeyFlow((ushort)(32768 + (i % 28000)), t0.AddTicks(i * 100)));
        }
    }

    private void ProduceMix(CloudWatchShipper shipper, int count)
    {
        NodeFlowMix mix = new();
        DateTime t0 = DateTime.UtcNow;
        for (int i = 0; i < count; i++)
        {
            Produce(shipper, mix.Next(t0.AddTicks(i * 100)));
        }
    }

    /// <summary>Flow lines a stored message carries: its <c>Flows</c> for a summary, else 1.</summary>
    private static int LinesIn(string message) =>
        JsonDocument.Parse(message).RootElement.TryGetProperty("Flows", out JsonElement flows) ? flows.GetInt32() : 1;

    private IReadOnlyList<string> Stored => _server.Messages(Group, Stream);

    private void AssertEveryLineAccountedFor(CloudWatchShipper? stopped = null)
    {
        Assert.Empty(_server.Violations);
        Assert.Equal(0, stopped?.Buffered ?? 0); // a stopped shipper holds nothing
        Assert.Equal(_produced, _counters.CloudWatchEnqueued);
        Assert.Equal(_produced, _counters.CloudWatchDelivered + _counters.CloudWatchDropped);
        Assert.Equal(_counters.CloudWatchDelivered, Stored.Sum(LinesIn));
    }

    /// <summary>PutLogEvents calls the 1 MiB limit needs for the produced lines sent one event each.</summary>
    private long ByteFloor => (long)Math.Ceiling(_lines.Sum(l => (double)Encoding.UTF8.GetByteCount(l) + CloudWatchLimits.PerEventOverheadBytes) / CloudWatchLimits.MaxBatchBytes);

    private static async Task WaitUntil(Func<bool> condition) =>
        Assert.True(await Poll.UntilAsync(condition, TimeSpan.FromMilliseconds(10)), $"waited {TestTimeouts.Default} for a condition that never held");

    [Fact]
    public async Task DistinctFlows_25000_GoOutLineByLineInValidCallsOfAtMost10000()
    {
        CloudWatchShipper shipper = Shipper();
        ProduceDistinct(shipper, 25_000);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.Equal(25_000, _counters.CloudWatchDelivered);
        Assert.Equal(0, _counters.CloudWatchFoldedLines);
        Assert.True(_server.PutCalls >= ByteFloor, $"{_server.PutCalls} calls, fewer than the 1 MiB limit allows");
        Assert.True(_server.PutCalls <= 25_000 / 100, $"{_server.PutCalls} calls: lines were not batched");
        Assert.Equal(_lines.Order(StringComparer.Ordinal), Stored.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SlowTrickle_IsSentUnfolded_OneEventPerLineByteIdenticalToTheFile()
    {
        CloudWatchShipper shipper = Shipper();
        for (int round = 0; round < 10; round++)
        {
            ProduceSameKey(shipper, 200); // would fold into one summary, but the shipper keeps up
            await WaitUntil(() => _counters.CloudWatchDelivered == _produced);
        }

        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.Equal(0, _counters.CloudWatchFoldedLines);
        Assert.Equal(_lines.Order(StringComparer.Ordinal), Stored.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Burst_100000FlowsOfANode_IsFoldedAndEveryLineAccountedFor()
    {
        CloudWatchShipper shipper = Shipper(start: false);
        ProduceMix(shipper, 100_000); // all waiting before the first call can go: the shipper is behind from the start
        shipper.Start();
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.Equal(100_000, _counters.CloudWatchDelivered);
        Assert.True(_counters.CloudWatchFoldedLines > 50_000, $"only {_counters.CloudWatchFoldedLines} of 100,000 lines folded");
        Assert.True(_server.PutCalls < ByteFloor, $"{_server.PutCalls} calls, no fewer than the {ByteFloor} unfolded lines need");
        Assert.Contains(Stored, m => LinesIn(m) == 1); // flows seen once still go as they are
        HashSet<string> lines = new(_lines, StringComparer.Ordinal);
        Assert.All(Stored.Where(m => LinesIn(m) == 1), m => Assert.Contains(m, lines));
    }

    [Fact]
    public async Task ThrottlingBacklog_IsFoldedAfterRecovery()
    {
        _server.Throttling = true;
        CloudWatchShipper shipper = Shipper();
        ProduceDistinct(shipper, 1);
        await WaitUntil(() => _counters.CloudWatchRetries >= 2); // that call is being retried

        ProduceSameKey(shipper, 20_000);
        _server.Throttling = false;
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.Equal(20_001, _counters.CloudWatchDelivered);
        Assert.Equal(20_000, _counters.CloudWatchFoldedLines);
        string summary = Assert.Single(Stored, m => LinesIn(m) > 1);
        JsonElement json = JsonDocument.Parse(summary).RootElement;
        Assert.Equal(20_000, json.GetProperty("Count").GetInt64());
        Assert.Equal(FlowSummaryFolder.MaxListedPorts, json.GetProperty("Src Ports").GetArrayLength());
        Assert.Equal(20_000 - FlowSummaryFolder.MaxListedPorts, json.GetProperty("Src Ports Omitted").GetInt32());
    }

    [Fact]
    public async Task OutageBacklog_IsFoldedAfterRecovery_WithinTheBuffer()
    {
        _server.Outage = true;
        CloudWatchShipper shipper = Shipper(buffer: 5_000);
        ProduceDistinct(shipper, 1);
        await WaitUntil(() => _counters.CloudWatchRetries >= 2);

        ProduceMix(shipper, 20_000);
        Assert.True(shipper.Buffered <= 5_000, $"{shipper.Buffered} held with a buffer of 5,000");
        _server.Outage = false;
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.Equal(20_001 - 5_000, _counters.CloudWatchDroppedBufferFull);
        Assert.True(_counters.CloudWatchFoldedLines > 0);
        Assert.True(_counters.CloudWatchSummaries > 0);
    }

    [Fact]
    public async Task LargeMessages_AreSplitByTheByteLimit()
    {
        CloudWatchShipper shipper = Shipper();
        ProduceDistinct(shipper, 800, isolatingPolicies: FlowLogFormatter.MaxIsolatingPolicies); // ~4 KB lines, ~3.3 MB
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.Equal(800, _counters.CloudWatchDelivered);
        Assert.True(ByteFloor >= 4, $"the lines need only {ByteFloor} calls");
        Assert.True(_server.PutCalls >= ByteFloor, $"{_server.PutCalls} calls for {ByteFloor} MiB");
    }

    [Fact]
    public async Task Throttling_IsRetriedWithBackoffUntilDelivered()
    {
        _server.ThrottleNext(4);
        CloudWatchShipper shipper = Shipper();
        ProduceDistinct(shipper, 1000);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.Equal(1000, _counters.CloudWatchDelivered);
        Assert.True(_counters.CloudWatchRetries >= 4);
    }

    /// <summary>Fails like the SDK's default chain while no credentials can be resolved yet (IRSA token not mounted, IMDS not answering).</summary>
    private sealed class CredentialsLateSource(int failures) : IAwsCredentialSource
    {
        private int _failures = failures;

        public ValueTask<ImmutableCredentials> GetAsync(CancellationToken cancellationToken) =>
            Interlocked.Decrement(ref _failures) >= 0
                ? throw new AmazonClientException("Failed to resolve AWS credentials")
                : ValueTask.FromResult(GoodCredentials);
    }

    [Fact]
    public async Task CredentialsNotResolvableYet_AreRetriedUntilTheyAre_AndShippingCarriesOn()
    {
        CloudWatchShipper shipper = Shipper(credentials: new CredentialsLateSource(failures: 3));
        ProduceDistinct(shipper, 100);
        await WaitUntil(() => _counters.CloudWatchDelivered == 100);
        ProduceDistinct(shipper, 100); // the loop is still alive
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.Equal(200, _counters.CloudWatchDelivered);
        Assert.True(_counters.CloudWatchRetries >= 3);
    }

    [Fact]
    public async Task AnswerThatIsNotJson_CountsThatBatch_AndShippingCarriesOn()
    {
        _server.GarbleNext(1);
        CloudWatchShipper shipper = Shipper();
        ProduceDistinct(shipper, 100);
        await WaitUntil(() => _counters.CloudWatchDelivered + _counters.CloudWatchDropped == 100);
        ProduceDistinct(shipper, 100);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.True(_counters.CloudWatchDroppedFailed > 0);
        Assert.True(_counters.CloudWatchDelivered >= 100);
    }

    [Fact]
    public async Task ServerErrors_AreRetried()
    {
        _server.FailNext(3); // the first three calls of any kind answer 500
        CloudWatchShipper shipper = Shipper();
        ProduceDistinct(shipper, 100);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.Equal(100, _counters.CloudWatchDelivered);
    }

    [Fact]
    public async Task OutageThenRecovery_BufferedEventsAreDelivered()
    {
        _server.Outage = true;
        CloudWatchShipper shipper = Shipper();
        ProduceDistinct(shipper, 2000);
        await WaitUntil(() => _counters.CloudWatchRetries >= 5);

        _server.Outage = false;
        ProduceDistinct(shipper, 2000);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.Equal(4000, _counters.CloudWatchDelivered);
    }

    [Fact]
    public async Task LongOutage_CostsCountedDropsNotMemory()
    {
        _server.Outage = true;
        CloudWatchShipper shipper = Shipper(buffer: 500);
        ProduceDistinct(shipper, 50_000);
        Assert.True(shipper.Buffered <= 500);
        await WaitUntil(() => _counters.CloudWatchRetries >= 3);

        _server.Outage = false;
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.True(_counters.CloudWatchDroppedBufferFull > 0);
        Assert.True(_counters.CloudWatchDelivered > 0);
    }

    [Fact]
    public async Task OutageThroughStop_LeftoversAreCountedAsDropped()
    {
        _server.Outage = true;
        CloudWatchShipper shipper = Shipper(drain: TimeSpan.FromMilliseconds(200));
        ProduceSameKey(shipper, 300);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);
        ProduceDistinct(shipper, 10); // after stop: counted, not buffered

        AssertEveryLineAccountedFor();
        Assert.Equal(0, _counters.CloudWatchDelivered);
        Assert.Equal(310, _counters.CloudWatchDroppedFailed);
    }

    [Fact]
    public async Task MissingStream_IsRecreatedAndTheBatchRetried()
    {
        CloudWatchShipper shipper = Shipper();
        ProduceDistinct(shipper, 10);
        await WaitUntil(() => _counters.CloudWatchDelivered == 10);

        _server.DeleteStream(Group, Stream);
        ProduceDistinct(shipper, 10);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        Assert.Equal(20, _counters.CloudWatchDelivered);
        Assert.Equal(2, _server.Calls["CreateLogStream"]);
        Assert.Equal(10, Stored.Count); // the recreated stream holds the second batch
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task ExistingGroup_IsNotCreatedAgain()
    {
        _server.AddGroup(Group);
        CloudWatchShipper shipper = Shipper();
        ProduceDistinct(shipper, 5);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.False(_server.Calls.ContainsKey("CreateLogGroup"));
        Assert.Equal(1, _server.Calls["DescribeLogGroups"]);
    }

    [Fact]
    public async Task ShipperRestart_ReusesTheStreamAndLosesNothingUncounted()
    {
        CloudWatchShipper first = Shipper();
        ProduceDistinct(first, 3000);
        await first.StopAsync().WaitAsync(TestTimeouts.Default);

        CloudWatchShipper second = Shipper();
        ProduceDistinct(second, 3000);
        await second.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor();
        Assert.Equal(6000, _counters.CloudWatchDelivered);
        Assert.Equal(2, _server.Calls["CreateLogStream"]); // the second answered ResourceAlreadyExists, which is fine
    }

    [Fact]
    public async Task RejectedLogEventsInfo_IsCounted()
    {
        _server.RejectTooOldNext(7);
        CloudWatchShipper shipper = Shipper();
        ProduceDistinct(shipper, 100);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.Equal(7, _counters.CloudWatchRejected);
        Assert.Equal(93, _counters.CloudWatchDelivered);
    }

    [Fact]
    public async Task RejectedSummaries_CountTheLinesTheyCarry()
    {
        CloudWatchShipper shipper = Shipper(start: false);
        ProduceSameKey(shipper, 20_000); // waiting before the loop starts: a backlog, folded into one summary
        _server.RejectTooOldNext(1);
        shipper.Start();
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
        Assert.Equal(1, _server.PutCalls);
        Assert.Equal(20_000, _counters.CloudWatchRejected);
        Assert.Equal(0, _counters.CloudWatchDelivered);
    }

    [Fact]
    public async Task EventsOutsideTheAcceptedTimeRange_AreDroppedAndCounted()
    {
        CloudWatchShipper shipper = Shipper();
        ProduceDistinct(shipper, 5, at: DateTime.UtcNow.AddDays(-15));
        ProduceDistinct(shipper, 5, at: DateTime.UtcNow.AddHours(3));
        ProduceDistinct(shipper, 5);
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);

        AssertEveryLineAccountedFor(shipper);
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
