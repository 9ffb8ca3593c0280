using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npa.Enforcer;
using Npa.Host.Channels;
using Npa.Host.Cni;
using Npa.Host.Health;
using Npa.Host.Metrics;
using Npa.Host.Options;
using Npa.Host.Resilience;
using Npa.Host.Stages;
using Npa.Ingest.Journal;
using Npa.Ingest.Kubernetes;
using Prometheus;

namespace Npa.Host.Daemons;

/// <summary>
/// Composition root of <c>npa agent</c>: the node pipeline (source → ingest/journal → resolve → diff →
/// enforce), the CNI handshake on a unix socket (HTTP/2), metrics and health probes on their ports.
/// </summary>
public static class AgentHost
{
    public static WebApplication Build(AgentOptions options, AgentHostOverrides? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        overrides ??= new AgentHostOverrides();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        DaemonLogging.Configure(builder.Logging, options.LogLevel, options.LogFormat);
        AddPipeline(builder.Services, options, overrides);
        builder.Services.AddGrpc();
        BindAddress metrics = BindAddress.Parse(options.MetricsBindAddr);
        BindAddress health = BindAddress.Parse(options.HealthProbeBindAddr);
        PrepareSocket(options.CniSocket);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(options.CniSocket, l => l.Protocols = HttpProtocols.Http2);
            k.Listen(metrics.Address, metrics.Port, l => l.Protocols = HttpProtocols.Http1);
            if (health != metrics)
            {
                k.Listen(health.Address, health.Port, l => l.Protocols = HttpProtocols.Http1);
            }
        });

        WebApplication app = builder.Build();
        PipelineReadiness readiness = app.Services.GetRequiredService<PipelineReadiness>();
        if (!options.EnableNetworkPolicy)
        {
            readiness.MarkJournalRestored();
            readiness.MarkSourceSynced();
        }

        app.MapGrpcService<NpBackendService>();
        app.MapMetrics("/metrics", app.Services.GetRequiredService<NpaMetrics>().Registry);
        app.MapHealth(readiness);
        return app;
    }

    /// <summary>
    /// The node pipeline without its HTTP side: options, channels, resolver, enforcer, journal, event
    /// source and the stages (source → ingest/journal → resolve → diff → enforce, flow logs,
    /// maintenance). <c>npa agent</c> adds the CNI socket, metrics and health to it; the lab runs it
    /// as is for its node namespace.
    /// </summary>
    public static void AddPipeline(IServiceCollection services, AgentOptions options, AgentHostOverrides overrides)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(overrides);
        services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost);

        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.AddOptions<AgentOptions>().Configure(o => Copy(options, o)).ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value);

        TimeProvider time = overrides.Time ?? TimeProvider.System;
        services.AddSingleton(overrides);
        services.AddSingleton(time);
        services.AddSingleton<PipelineChannels>();
        services.AddSingleton<PipelineReadiness>();
        services.AddSingleton<NpaMetrics>();
        // Rules from PolicyEndpoints (own pods + the PolicyEndpoints naming them) or from NetworkPolicies resolved here.
        bool fromEndpoints = options.PolicySource == PolicySource.PolicyEndpoints;
        services.AddSingleton<INodePodDirectory>(_ => fromEndpoints
            ? new PolicyEndpointDesiredResolver(options.NodeName)
            : new ClusterEventResolver(options.NodeName));
        services.AddSingleton<IDesiredPolicyResolver>(sp => (IDesiredPolicyResolver)sp.GetRequiredService<INodePodDirectory>());
        services.AddSingleton(sp => NodeEnforcer.Open(
            new EnforcerOptions { BpffsRoot = options.BpffsRoot, ConntrackEntries = (uint)options.ConntrackCacheTableSize },
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Npa.Enforcer")));
        services.AddSingleton<IPodEnforcer>(sp =>
            overrides.Enforcer ??
            (options.DryRun
                ? new InMemoryPodEnforcer()
                : new NodePodEnforcer(sp.GetRequiredService<NodeEnforcer>(), options.EnforcingMode, sp.GetRequiredService<INodePodDirectory>().UidOf, overrides.HostVethNetns)));
        services.AddSingleton(sp => OpenJournal(options, time, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IClusterEventSource>(sp => overrides.Source ??
            new KubernetesEventSource(options.Kubeconfig, fromEndpoints ? SourceScope.Agent(options.NodeName) : SourceScope.Standalone,
                sp.GetRequiredService<ILoggerFactory>()));
        if (options.EnableNetworkPolicy)
        {
            services.AddHostedService<IngestStage>();
            services.AddHostedService<ResolveStage>();
            services.AddHostedService<DiffStage>();
            services.AddHostedService<EnforceStage>();
            services.AddHostedService<SourceStage>();
            services.AddHostedService<MetricsPoller>();
            services.AddHostedService<StalePodSweepStage>();
            if (!options.DryRun && overrides.Enforcer is null)
            {
                services.AddHostedService<EnforcerMaintenanceStage>();
            }

            if (options.EnablePolicyEventLogs && !options.DryRun && overrides.Enforcer is null)
            {
                services.AddHostedService<FlowLogStage>();
            }
        }
    }

    /// <summary>The addresses Kestrel bound, after start: the metrics and health ports and the socket.</summary>
    public static IReadOnlyList<string> BoundAddresses(WebApplication app) => app.Urls.ToArray();

    private static EventJournal OpenJournal(AgentOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        ILogger logger = loggers.CreateLogger("Npa.Ingest.Journal");
        return PipelineBuilder.Build(PipelineBuilder.JournalOpen, logger, time)
            .Execute(() => EventJournal.Open(new JournalOptions { Directory = options.JournalDir }, time, logger));
    }

    /// <summary>A stale socket from a killed agent would block the bind; the directory may not exist yet.</summary>
    private static void PrepareSocket(string path)
    {
        string? directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    private static void Copy(AgentOptions from, AgentOptions to)
    {
        foreach (System.Reflection.PropertyInfo p in typeof(AgentOptions).GetProperties().Where(p => p.CanWrite))
        {
            p.SetValue(to, p.GetValue(from));
        }
    }
}
