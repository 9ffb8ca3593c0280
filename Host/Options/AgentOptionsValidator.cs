using Microsoft.Extensions.Options;
using Npa.Enforcer;

namespace Npa.Host.Options;

/// <summary>Rejects agent settings that cannot work, naming the flag (or variable) and the value.</summary>
public sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public const int MinConntrackTableSize = 32 * 1024;
    public const int MaxConntrackTableSize = 1024 * 1024;

    public static readonly string[] LogLevels = ["debug", "info", "warn", "error"];

    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<string> errors = [];
        if (options.EnforcingMode == EnforcingMode.Unknown)
        {
            errors.Add($"NETWORK_POLICY_ENFORCING_MODE '{options.EnforcingModeText}' is not 'standard' or 'strict'");
        }

        if (!BindAddress.TryParse(options.MetricsBindAddr, out _, out string metricsError))
        {
            errors.Add($"--metrics-bind-addr {metricsError}");
        }

        if (!BindAddress.TryParse(options.HealthProbeBindAddr, out _, out string healthError))
        {
            errors.Add($"--health-probe-bind-addr {healthError}");
        }

        if (options.ConntrackCacheCleanupPeriod <= 0)
        {
            errors.Add($"--conntrack-cache-cleanup-period {options.ConntrackCacheCleanupPeriod} must be a positive number of seconds");
        }

        if (options.ConntrackCacheTableSize is < MinConntrackTableSize or > MaxConntrackTableSize)
        {
            errors.Add($"--conntrack-cache-table-size {options.ConntrackCacheTableSize} is outside {MinConntrackTableSize}..{MaxConntrackTableSize}");
        }

        if (options.EnableCloudWatchLogs && !options.EnablePolicyEventLogs)
        {
            errors.Add("--enable-cloudwatch-logs needs --enable-policy-event-logs=true");
        }

        if (!LogLevels.Contains(options.LogLevel.ToLowerInvariant()))
        {
            errors.Add($"--log-level '{options.LogLevel}' is not one of {string.Join(", ", LogLevels)}");
        }

        if (!Daemons.DaemonLogging.Formats.Contains(options.LogFormat.ToLowerInvariant()))
        {
            errors.Add($"--log-format '{options.LogFormat}' is not one of {string.Join(", ", Daemons.DaemonLogging.Formats)}");
        }

        if (options.LogFileMaxSize <= 0)
        {
            errors.Add($"--log-file-max-size {options.LogFileMaxSize} must be a positive number of megabytes");
        }

        if (options.LogFileMaxBackups < 0)
        {
            errors.Add($"--log-file-max-backups {options.LogFileMaxBackups} must not be negative");
        }

        if (string.IsNullOrWhiteSpace(options.NodeName))
        {
            errors.Add("--node-name is empty and neither MY_NODE_NAME nor the host name gives one");
        }

        if (!Path.IsPathFullyQualified(options.JournalDir))
        {
            errors.Add($"--journal-dir '{options.JournalDir}' must be an absolute path");
        }

        if (!Path.IsPathFullyQualified(options.BpffsRoot))
        {
            errors.Add($"--bpffs-root '{options.BpffsRoot}' must be an absolute path");
        }

        if (string.IsNullOrWhiteSpace(options.CniSocket))
        {
            errors.Add("--cni-socket is empty");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
