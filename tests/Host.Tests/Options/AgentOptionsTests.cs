using Microsoft.Extensions.Options;
using Npa.Enforcer;
using Npa.Host.Options;
using Npa.Host.Verbs;

namespace Npa.Host.Tests.Options;

public class AgentOptionsTests
{
    private static AgentOptions Valid() => new() { NodeName = "node-a", JournalDir = "/var/lib/npa/journal" };

    private static IEnumerable<string> Errors(AgentOptions options) =>
        new AgentOptionsValidator().Validate(null, options) is { Failed: true } r ? r.Failures : [];

    [Fact]
    public void Defaults_AreTheEksAgentDefaults_AndValid()
    {
        AgentOptions o = Valid();

        Assert.Empty(Errors(o));
        Assert.Equal(":8162", o.MetricsBindAddr);
        Assert.Equal(":8163", o.HealthProbeBindAddr);
        Assert.Equal(300, o.ConntrackCacheCleanupPeriod);
        Assert.Equal(524288, o.ConntrackCacheTableSize);
        Assert.Equal(EnforcingMode.Standard, o.EnforcingMode);
        Assert.False(o.EnableNetworkPolicy);
    }

    [Theory]
    [InlineData("", EnforcingMode.Standard)]
    [InlineData("standard", EnforcingMode.Standard)]
    [InlineData("STRICT", EnforcingMode.Strict)]
    [InlineData("enforcing", EnforcingMode.Unknown)]
    public void EnforcingMode_ComesFromTheVariableText(string text, EnforcingMode expected)
    {
        Assert.Equal(expected, AgentOptions.ParseMode(text));
    }

    [Fact]
    public void UnknownEnforcingMode_IsAClearStartupError()
    {
        AgentOptions o = Valid();
        o.EnforcingModeText = "enforcing";

        Assert.Contains("NETWORK_POLICY_ENFORCING_MODE 'enforcing' is not 'standard' or 'strict'", Errors(o));
    }

    [Fact]
    public void EachBadSetting_IsNamedByItsFlag()
    {
        AgentOptions o = Valid();
        o.MetricsBindAddr = ":http";
        o.ConntrackCacheTableSize = 1000;
        o.EnableCloudWatchLogs = true;
        o.LogLevel = "verbose";
        o.JournalDir = "journal";

        string all = string.Join("\n", Errors(o));

        Assert.Contains("--metrics-bind-addr", all);
        Assert.Contains("--conntrack-cache-table-size 1000", all);
        Assert.Contains("--enable-cloudwatch-logs needs --enable-policy-event-logs", all);
        Assert.Contains("--log-level 'verbose'", all);
        Assert.Contains("--journal-dir 'journal'", all);
    }

    [Theory]
    [InlineData(":8162", "0.0.0.0", 8162)]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0)]
    [InlineData("[::1]:9000", "::1", 9000)]
    [InlineData("8163", "0.0.0.0", 8163)]
    public void BindAddress_ParsesGoListenAddresses(string text, string address, int port)
    {
        BindAddress b = BindAddress.Parse(text);

        Assert.Equal(address, b.Address.ToString());
        Assert.Equal(port, b.Port);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("FALSE", false)]
    [InlineData("0", false)]
    public void BooleanFlags_AcceptTheStringsTheChartStores(string text, bool expected)
    {
        Assert.True(GoFlags.TryParseBool(text, out bool value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("--enable-network-policy=true", true)]
    [InlineData("--enable-network-policy=false", false)]
    [InlineData("--enable-network-policy", true)]
    [InlineData("--enable-network-policy True", true)]
    public void AgentVerb_ParsesBooleanFlagsInEveryGoForm(string args, bool expected)
    {
        System.CommandLine.Command agent = AgentVerb.Create();
        System.CommandLine.Option<bool> flag = agent.Options.OfType<System.CommandLine.Option<bool>>().Single(o => o.Name == "--enable-network-policy");

        System.CommandLine.ParseResult parse = agent.Parse(args);

        Assert.Empty(parse.Errors);
        Assert.Equal(expected, parse.GetValue(flag));
    }

    [Fact]
    public void AgentVerb_TakesTheClusterNameForTheCloudWatchGroup()
    {
        System.CommandLine.Command agent = AgentVerb.Create();
        System.CommandLine.Option<string> flag = agent.Options.OfType<System.CommandLine.Option<string>>().Single(o => o.Name == "--cluster-name");

        System.CommandLine.ParseResult parse = agent.Parse("--cluster-name prod-east --enable-cloudwatch-logs --enable-policy-event-logs");

        Assert.Empty(parse.Errors);
        Assert.Equal("prod-east", parse.GetValue(flag));
    }

    [Fact]
    public void AgentVerb_RejectsANonBooleanValue_NamingIt()
    {
        System.CommandLine.ParseResult parse = AgentVerb.Create().Parse("--enable-network-policy=maybe");

        Assert.Contains(parse.Errors, e => e.Message.Contains("'maybe'"));
    }

    [Theory]
    [InlineData("15s", 15)]
    [InlineData("1m30s", 90)]
    [InlineData("500ms", 0.5)]
    public void Durations_ParseAsGoWritesThem(string text, double seconds)
    {
        Assert.True(GoFlags.TryParseDuration(text, out TimeSpan value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Fact]
    public void ControllerLeaderElection_NeedsRetryBelowRenewBelowLease()
    {
        ControllerOptions o = new() { RenewDeadline = TimeSpan.FromSeconds(20) };

        ValidateOptionsResult r = new ControllerOptionsValidator().Validate(null, o);

        Assert.True(r.Failed);
        Assert.Contains(r.Failures, f => f.Contains("--leader-election-renew-deadline"));
    }
}
