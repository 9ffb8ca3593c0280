using Microsoft.Extensions.Options;

namespace Npa.Host.Options;

/// <summary>Rejects controller settings that cannot work, naming the flag and the value.</summary>
public sealed class ControllerOptionsValidator : IValidateOptions<ControllerOptions>
{
    public ValidateOptionsResult Validate(string? name, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> errors = [];
        if (options.EndpointChunkSize <= 0)
        {
            errors.Add($"--endpoint-chunk-size {options.EndpointChunkSize} must be positive");
        }

        if (options.MaxConcurrentReconciles <= 0)
        {
            errors.Add($"--max-concurrent-reconciles {options.MaxConcurrentReconciles} must be positive");
        }

        if (!AgentOptionsValidator.LogLevels.Contains(options.LogLevel.ToLowerInvariant()))
        {
            errors.Add($"--log-level '{options.LogLevel}' is not one of {string.Join(", ", AgentOptionsValidator.LogLevels)}");
        }

        if (!Daemons.DaemonLogging.Formats.Contains(options.LogFormat.ToLowerInvariant()))
        {
            errors.Add($"--log-format '{options.LogFormat}' is not one of {string.Join(", ", Daemons.DaemonLogging.Formats)}");
        }

        if (!BindAddress.TryParse(options.MetricsBindAddr, out _, out string metricsError))
        {
            errors.Add($"--metrics-bind-addr {metricsError}");
        }

        if (!BindAddress.TryParse(options.HealthProbeBindAddr, out _, out string healthError))
        {
            errors.Add($"--health-probe-bind-addr {healthError}");
        }

        if (options.LeaderElect && !(options.RetryPeriod < options.RenewDeadline && options.RenewDeadline < options.LeaseDuration))
        {
            errors.Add($"leader election needs --leader-election-retry-period ({options.RetryPeriod}) < --leader-election-renew-deadline " +
                       $"({options.RenewDeadline}) < --leader-election-lease-duration ({options.LeaseDuration})");
        }

        if (options.PodUpdateBatchPeriod < TimeSpan.Zero)
        {
            errors.Add($"--pod-update-batch-period-duration {options.PodUpdateBatchPeriod} must not be negative");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
