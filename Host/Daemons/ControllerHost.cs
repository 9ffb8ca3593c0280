using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npa.Host.Channels;
using Npa.Host.Health;
using Npa.Host.Metrics;
using Npa.Host.Options;
using Npa.Host.Stages;
using Npa.Ingest.Kubernetes;
using Npa.Ingest.Kubernetes.Controller;
using Prometheus;

namespace Npa.Host.Daemons;

/// <summary>Composition root of <c>npa controller</c>: cluster-wide source, resolver, metrics and probes.</summary>
public static class ControllerHost
{
    public static WebApplication Build(ControllerOptions options, IClusterEventSource? source = null, IPolicyEndpointSink? sink = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        builder.Logging.SetMinimumLevel(LogLevels.Parse(options.LogLevel));
        // Per-request lines of Kestrel and routing would drown the agent's own messages.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost);
        builder.Services.AddSingleton<IValidateOptions<ControllerOptions>, ControllerOptionsValidator>();
        builder.Services.AddOptions<ControllerOptions>().Configure(o =>
        {
            foreach (System.Reflection.PropertyInfo p in typeof(ControllerOptions).GetProperties().Where(p => p.CanWrite))
            {
                p.SetValue(o, p.GetValue(options));
            }
        }).ValidateOnStart();
        builder.Services.AddSingleton<PipelineChannels>();
        builder.Services.AddSingleton<PipelineReadiness>();
        builder.Services.AddSingleton<NpaMetrics>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<ControllerOptions>>().Value);
        builder.Services.AddSingleton(_ => new ClusterEventResolver());
        bool live = source is null || sink is null;
        if (live)
        {
            builder.Services.AddSingleton(_ => KubernetesSource.CreateClient(options.Kubeconfig));
        }

        builder.Services.AddSingleton(sp => source ??
            new KubernetesEventSource(options.Kubeconfig, SourceScope.Controller, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<k8s.Kubernetes>()));
        builder.Services.AddSingleton(sp => sink ??
            new ApiPolicyEndpointSink(new PolicyEndpointWriter(sp.GetRequiredService<k8s.Kubernetes>(), options.EndpointChunkSize,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Npa.Ingest.Kubernetes.Controller"))));
        if (live && options.LeaderElect)
        {
            builder.Services.AddSingleton(sp => new ControllerLeadership(sp.GetRequiredService<k8s.Kubernetes>(), options.LeaderElectionNamespace,
                options.LeaderIdentity ?? (Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : Environment.MachineName),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Npa.Ingest.Kubernetes.Controller"), options.LeaderElectionId)
            {
                LeaseDuration = options.LeaseDuration,
                RenewDeadline = options.RenewDeadline,
                RetryPeriod = options.RetryPeriod,
            });
        }

        if (live && options.EnableConfigmapCheck)
        {
            builder.Services.AddSingleton(sp => new ConfigMapGate(sp.GetRequiredService<k8s.Kubernetes>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Npa.Host.Daemons"), TimeProvider.System));
        }

        builder.Services.AddHostedService(sp => new ControllerStage(
            sp.GetRequiredService<PipelineChannels>(), sp.GetRequiredService<ClusterEventResolver>(), sp.GetRequiredService<IClusterEventSource>(),
            sp.GetRequiredService<IPolicyEndpointSink>(), sp.GetRequiredService<ControllerOptions>(), sp.GetRequiredService<PipelineReadiness>(),
            sp.GetRequiredService<NpaMetrics>(), sp.GetRequiredService<ILogger<ControllerStage>>()));
        builder.Services.AddHostedService(sp => new PolicyEndpointPublisher(
            sp.GetRequiredService<PipelineChannels>(), sp.GetRequiredService<IPolicyEndpointSink>(), options,
            sp.GetRequiredService<NpaMetrics>(), sp.GetRequiredService<ILogger<PolicyEndpointPublisher>>(),
            sp.GetService<ControllerLeadership>(),
            sp.GetService<ConfigMapGate>()));
        builder.Services.AddHostedService<SourceStage>();

        BindAddress metrics = BindAddress.Parse(options.MetricsBindAddr);
        BindAddress health = BindAddress.Parse(options.HealthProbeBindAddr);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(metrics.Address, metrics.Port, l => l.Protocols = HttpProtocols.Http1);
            if (health != metrics)
            {
                k.Listen(health.Address, health.Port, l => l.Protocols = HttpProtocols.Http1);
            }
        });

        WebApplication app = builder.Build();
        app.MapMetrics("/metrics", app.Services.GetRequiredService<NpaMetrics>().Registry);
        app.MapHealth(app.Services.GetRequiredService<PipelineReadiness>());
        return app;
    }
}
