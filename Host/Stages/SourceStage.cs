using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npa.Host.Channels;
using Npa.Host.Health;

namespace Npa.Host.Stages;

/// <summary>
/// Starts the event source once the journal has been restored, and marks the node ready when the
/// source has listed everything. If the source fails, the exception stops the host.
/// </summary>
public sealed class SourceStage(
    PipelineChannels channels,
    IClusterEventSource source,
    PipelineReadiness readiness,
    ILogger<SourceStage> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.JournalRestored.WaitAsync(stoppingToken);
        try
        {
            await source.RunAsync(channels.Source.Writer, () =>
            {
                readiness.MarkSourceSynced();
                StageLog.SourceReady(logger);
            }, stoppingToken);
        }
        finally
        {
            channels.Source.Writer.TryComplete();
        }
    }
}
