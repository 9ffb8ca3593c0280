using Microsoft.AspNetCore.Builder;
using Npa.Enforcer;
using Npa.Host.Daemons;
using Npa.Host.Options;
using Npa.Host.Stages;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Daemons;

/// <summary>
/// A running <c>npa agent</c> on loopback: ephemeral metrics/health ports, a unix socket and a
/// journal under a unique temp directory, an in-memory enforcer and a scripted source.
/// </summary>
internal sealed class TestAgent : IAsyncDisposable
{
    private TestAgent(WebApplication app, AgentOptions options, InMemoryPodEnforcer enforcer)
    {
        App = app;
        Options = options;
        Enforcer = enforcer;
        Uri http = app.Urls.Select(u => new Uri(u)).First(u => u.Scheme == "http" && !u.AbsoluteUri.Contains("unix", StringComparison.Ordinal));
        Http = new HttpClient { BaseAddress = http, Timeout = TestTimeouts.Default };
    }

    public WebApplication App { get; }

    public AgentOptions Options { get; }

    public InMemoryPodEnforcer Enforcer { get; }

    public HttpClient Http { get; }

    public static string NewStateDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"npa-hosting-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static async Task<TestAgent> StartAsync(string stateDir, IClusterEventSource source, EnforcingMode mode = EnforcingMode.Standard,
        PolicySource policySource = PolicySource.NetworkPolicies, InMemoryPodEnforcer? enforcer = null)
    {
        AgentOptions options = new()
        {
            EnableNetworkPolicy = true,
            PolicySource = policySource,
            NodeName = "node-a",
            JournalDir = Path.Combine(stateDir, "journal"),
            CniSocket = Path.Combine(stateDir, "npa.sock"),
            MetricsBindAddr = "127.0.0.1:0",
            HealthProbeBindAddr = "127.0.0.1:0",
            EnforcingModeText = mode == EnforcingMode.Strict ? "strict" : "standard",
            LogLevel = "warn",
        };
        enforcer ??= new InMemoryPodEnforcer();
        WebApplication app = AgentHost.Build(options, new AgentHostOverrides { Enforcer = enforcer, Source = source });
        await app.StartAsync().WaitAsync(TestTimeouts.Default);
        return new TestAgent(app, options, enforcer);
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; false if it never did.</summary>
    public static Task<bool> EventuallyAsync(Func<bool> condition) => Poll.UntilAsync(condition, TimeSpan.FromMilliseconds(20));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync().WaitAsync(TestTimeouts.Default);
        await App.DisposeAsync();
    }
}
