using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Enforcer;
using Npa.Host.Options;

namespace Npa.Host.Stages;

/// <summary>
/// Every <c>--conntrack-cache-cleanup-period</c> seconds: the enforcer's full compare of every pinned
/// map against the desired state (repairing drift) and the conntrack cache sweep, which expires
/// entries idle for a whole period. Runs only on the kernel enforcer (not under <c>--dry-run</c>). A
/// failed round is logged and the next one runs as planned.
/// </summary>
public sealed class EnforcerMaintenanceStage(
    AgentOptions options,
    NodeEnforcer enforcer,
    TimeProvider time,
    ILogger<EnforcerMaintenanceStage> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeSpan period = TimeSpan.FromSeconds(options.ConntrackCacheCleanupPeriod);
        StageLog.MaintenanceStarted(logger, period);
        return enforcer.RunPeriodicAsync(period, period, time, e => StageLog.MaintenanceFailed(logger, e, period), stoppingToken);
    }
}
