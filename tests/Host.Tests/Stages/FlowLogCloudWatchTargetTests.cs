using Amazon.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.FlowLogs.CloudWatch;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Records;
using Npa.FlowLogs.Tests.CloudWatch;
using Npa.Host.Options;
using Npa.Host.Stages;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Stages;

public sealed class FlowLogCloudWatchTargetTests : IAsyncLifetime
{
    private FakeCloudWatchLogsServer _server = null!;
    private readonly HttpClient _http = new() { Timeout = TestTimeouts.Default };

    public async Task InitializeAsync() => _server = await FakeCloudWatchLogsServer.StartAsync().WaitAsync(TestTimeouts.Default);

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _http.Dispose();
    }

    private Func<string, string?> Environment(params (string Name, string Value)[] extra)
    {
        Dictionary<string, string> env = new()
        {
            ["AWS_REGION"] = FakeCloudWatchLogsServer.Region,
            ["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"] = _server.Endpoint.ToString(),
        };
        foreach ((string name, string value) in extra)
        {
            env[name] = value;
        }

        return name => env.GetValueOrDefault(name);
    }

    /// <summary>Ships one flow line through the shipper the agent's flow-log stage builds for <paramref name="target"/>.</summary>
    private async Task ShipOneLineAsync(FlowLogCloudWatchTarget target, string line)
    {
        FlowLogCounters counters = new();
        await using CloudWatchShipper shipper = target.CreateShipper(
            _http,
            new StaticAwsCredentialSource(new ImmutableCredentials(FakeCloudWatchLogsServer.AccessKey, FakeCloudWatchLogsServer.SecretKey, null)),
            counters,
            TimeProvider.System,
            NullLogger.Instance);
        shipper.Start();
        shipper.Enqueue(new FlowRecord { Timestamp = DateTime.UtcNow, Count = 1 }, System.Text.Encoding.UTF8.GetBytes(line + "\n"));
        await shipper.StopAsync().WaitAsync(TestTimeouts.Default);
        Assert.Equal(1, counters.CloudWatchDelivered);
    }

    [Fact]
    public async Task WithAClusterName_LinesGoToTheEksClusterGroup_InOneStreamForTheNode()
    {
        AgentOptions options = new() { EnableCloudWatchLogs = true, EnablePolicyEventLogs = true, ClusterName = "prod-east", NodeName = "ip-10-0-1-7" };

        FlowLogCloudWatchTarget target = FlowLogCloudWatchTarget.Resolve(options, Environment());
        await ShipOneLineAsync(target, "{\"verdict\":\"DENY\"}");

        Assert.Equal("/aws/eks/prod-east/cluster", target.LogGroup);
        Assert.Contains("ip-10-0-1-7", target.LogStream, StringComparison.Ordinal);
        Assert.Equal(["{\"verdict\":\"DENY\"}"], _server.Messages("/aws/eks/prod-east/cluster", target.LogStream));
        Assert.Equal(_server.Endpoint, target.Endpoint);
        Assert.Empty(_server.Violations);
    }

    [Fact]
    public async Task WithoutAClusterName_LinesGoToTheSelfManagedGroup()
    {
        AgentOptions options = new() { NodeName = "node-b" };

        FlowLogCloudWatchTarget target = FlowLogCloudWatchTarget.Resolve(options, Environment());
        await ShipOneLineAsync(target, "{\"n\":1}");

        Assert.Equal("/aws/k8s-cluster/cluster", target.LogGroup);
        Assert.Equal(["{\"n\":1}"], _server.Messages("/aws/k8s-cluster/cluster", target.LogStream));
    }

    [Fact]
    public async Task TheChartsLogGroup_WinsOverTheDerivedOne()
    {
        AgentOptions options = new() { NodeName = "node-c", ClusterName = "prod-east", CloudWatchLogGroup = "/custom/flows" };

        FlowLogCloudWatchTarget target = FlowLogCloudWatchTarget.Resolve(options, Environment());
        await ShipOneLineAsync(target, "{\"n\":2}");

        Assert.Equal(["{\"n\":2}"], _server.Messages("/custom/flows", target.LogStream));
        Assert.False(_server.HasGroup("/aws/eks/prod-east/cluster"));
    }

    [Fact]
    public void NodesGetDistinctStreams_AndTheRegionFallsBackToAwsDefaultRegion()
    {
        Func<string, string?> env = name => name == "AWS_DEFAULT_REGION" ? "eu-central-1" : null;

        FlowLogCloudWatchTarget a = FlowLogCloudWatchTarget.Resolve(new AgentOptions { NodeName = "node-a" }, env);
        FlowLogCloudWatchTarget b = FlowLogCloudWatchTarget.Resolve(new AgentOptions { NodeName = "node-b" }, env);

        Assert.NotEqual(a.LogStream, b.LogStream);
        Assert.Equal("eu-central-1", a.Region);
    }

    [Fact]
    public void WithoutRegionVariables_TheInstancesRegionIsUsed()
    {
        FlowLogCloudWatchTarget target = FlowLogCloudWatchTarget.Resolve(new AgentOptions { NodeName = "node-a" }, _ => null, () => "ap-south-1");

        Assert.Equal("ap-south-1", target.Region);
    }

    [Fact]
    public void WithoutARegion_TheErrorNamesTheVariables()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() =>
            FlowLogCloudWatchTarget.Resolve(new AgentOptions { NodeName = "node-a" }, _ => null, () => null));

        Assert.Contains("AWS_REGION", error.Message, StringComparison.Ordinal);
        Assert.Contains("--enable-cloudwatch-logs", error.Message, StringComparison.Ordinal);
    }
}
