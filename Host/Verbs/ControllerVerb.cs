using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using Npa.Host.Daemons;
using Npa.Host.Options;

namespace Npa.Host.Verbs;

/// <summary><c>npa controller</c>: the cluster-wide controller, with the EKS network policy controller's flags.</summary>
internal static class ControllerVerb
{
    public static Command Create()
    {
        ControllerOptions d = new();
        Option<int> chunk = GoFlags.Int("--endpoint-chunk-size", "Most endpoints per PolicyEndpoint object", d.EndpointChunkSize);
        Option<int> reconciles = GoFlags.Int("--max-concurrent-reconciles", "Policies reconciled at once", d.MaxConcurrentReconciles);
        Option<bool> configMap = GoFlags.Bool("--enable-configmap-check", "Run only when ConfigMap kube-system/amazon-vpc-cni enables the controller", d.EnableConfigmapCheck);
        Option<string> logLevel = GoFlags.String("--log-level", "debug, info, warn or error", d.LogLevel);
        Option<string> logFormat = GoFlags.String("--log-format", "text (a line per message) or json (an object per line)", d.LogFormat);
        Option<string> kubeconfig = GoFlags.String("--kubeconfig", "Kubeconfig file (default: in-cluster service account)", "");
        Option<string> metrics = GoFlags.String("--metrics-bind-addr", "Address for Prometheus metrics", d.MetricsBindAddr);
        Option<string> health = GoFlags.String("--health-probe-bind-addr", "Address for /healthz and /readyz", d.HealthProbeBindAddr);
        Option<bool> leaderElect = GoFlags.Bool("--enable-leader-election", "Run as one active replica elected through a Lease", d.LeaderElect);
        Option<string> leaseNamespace = GoFlags.String("--leader-election-namespace", "Namespace of the leader election Lease", d.LeaderElectionNamespace);
        Option<string> leaseId = GoFlags.String("--leader-election-id", "Name of the leader election Lease", d.LeaderElectionId);
        Option<TimeSpan> leaseDuration = GoFlags.Duration("--leader-election-lease-duration", "Lease duration", d.LeaseDuration);
        Option<TimeSpan> renewDeadline = GoFlags.Duration("--leader-election-renew-deadline", "Renew deadline", d.RenewDeadline);
        Option<TimeSpan> retryPeriod = GoFlags.Duration("--leader-election-retry-period", "Retry period", d.RetryPeriod);
        Option<TimeSpan> batch = GoFlags.Duration("--pod-update-batch-period-duration", "Pod changes gathered before one reconcile", d.PodUpdateBatchPeriod);

        Command command = new("controller", "Run the cluster-wide network policy controller");
        foreach (Option o in new Option[] { chunk, reconciles, configMap, logLevel, logFormat, kubeconfig, metrics, health, leaderElect, leaseNamespace, leaseId,
                     leaseDuration, renewDeadline, retryPeriod, batch })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            ControllerOptions options = new()
            {
                EndpointChunkSize = parse.GetValue(chunk),
                MaxConcurrentReconciles = parse.GetValue(reconciles),
                EnableConfigmapCheck = parse.GetValue(configMap),
                LogLevel = parse.GetValue(logLevel)!,
                LogFormat = parse.GetValue(logFormat)!,
                Kubeconfig = string.IsNullOrEmpty(parse.GetValue(kubeconfig)) ? null : parse.GetValue(kubeconfig),
                MetricsBindAddr = parse.GetValue(metrics)!,
                HealthProbeBindAddr = parse.GetValue(health)!,
                LeaderElect = parse.GetValue(leaderElect),
                LeaderElectionNamespace = parse.GetValue(leaseNamespace)!,
                LeaderElectionId = parse.GetValue(leaseId)!,
                LeaseDuration = parse.GetValue(leaseDuration),
                RenewDeadline = parse.GetValue(renewDeadline),
                RetryPeriod = parse.GetValue(retryPeriod),
                PodUpdateBatchPeriod = parse.GetValue(batch),
            };
            ValidateOptionsResult check = new ControllerOptionsValidator().Validate(null, options);
            if (check.Failed)
            {
                foreach (string failure in check.Failures)
                {
                    await Console.Error.WriteLineAsync($"npa controller: {failure}");
                }

                return 2;
            }

            await using WebApplication app = ControllerHost.Build(options);
            await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.RunAsync(app, ct);
            return 0;
        });
        return command;
    }
}
