using Microsoft.AspNetCore.Builder;
using Npa.Host.Daemons;
using Npa.Host.Options;
using Npa.Tests.Shared;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Host.Tests.Daemons;

/// <summary>One `npa controller` composition on a kubeconfig for the fake server.</summary>
internal sealed class RunningController : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _kubeconfig;
    private bool _stopped;

    private RunningController(WebApplication app, string kubeconfig)
    {
        _app = app;
        _kubeconfig = kubeconfig;
    }

    public static async Task<RunningController> StartAsync(Server server, string identity, bool leaderElect = false)
    {
        string kubeconfig = Path.Combine(Path.GetTempPath(), $"npa-controller-test-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(kubeconfig, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {{server.BaseUri}}
            users:
            - name: controller-{{identity}}
              user:
                token: token-{{identity}}
            contexts:
            - name: fake
              context: {cluster: fake, user: controller-{{identity}}}
            current-context: fake
            """);
        ControllerOptions options = new()
        {
            Kubeconfig = kubeconfig,
            MetricsBindAddr = "127.0.0.1:0",
            HealthProbeBindAddr = "127.0.0.1:0",
            LeaderElect = leaderElect,
            LeaderElectionId = "npa-test",
            LeaderElectionNamespace = "kube-system",
            LeaseDuration = TimeSpan.FromSeconds(2),
            RenewDeadline = TimeSpan.FromSeconds(1.5),
            RetryPeriod = TimeSpan.FromMilliseconds(300),
            EnableConfigmapCheck = false,
            EndpointChunkSize = 50,
            LogLevel = "warn",
            PodUpdateBatchPeriod = TimeSpan.FromMilliseconds(200),
            LeaderIdentity = identity,
        };
        WebApplication app = ControllerHost.Build(options);
        await app.StartAsync().WaitAsync(TestTimeouts.Default);
        return new RunningController(app, kubeconfig);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _app.StopAsync().WaitAsync(TestTimeouts.Default);
        await _app.DisposeAsync();
        File.Delete(_kubeconfig);
    }
}
