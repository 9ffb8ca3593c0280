using Prometheus;

namespace Npa.Host.Metrics;

/// <summary>
/// Every Prometheus metric npa exports, in its own registry (so tests can run several hosts side by
/// side). Names the EKS agent already exports keep their names; npa's own start with <c>npa_</c>.
/// </summary>
public sealed class NpaMetrics
{
    public NpaMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        MetricFactory factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        DropCount = factory.CreateCounter("network_policy_drop_count_total", "Packets denied by network policy.", "direction");
        DropBytes = factory.CreateCounter("network_policy_drop_bytes_total", "Bytes of packets denied by network policy.", "direction");
        AcceptCount = factory.CreateCounter("npa_accept_count_total", "Packets allowed by network policy on isolated pods.", "direction");
        ProgrammingLatency = factory.CreateHistogram("awsnodeagent_policy_programming_latency_seconds",
            "Time from accepting an input event to the pod's policy being programmed.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        ProgrammedPods = factory.CreateGauge("npa_programmed_pods", "Pods with a programmed policy on this node.");
        ProgrammedEntries = factory.CreateGauge("npa_programmed_entries", "Map entries programmed for this node's pods.");
        WatchRestarts = factory.CreateCounter("npa_watch_restarts_total", "Watches restarted (relists and reconnects).", "resource");
        JournalBytes = factory.CreateGauge("npa_journal_bytes", "Bytes the event journal takes on disk.");
        FlowLogDropped = factory.CreateCounter("npa_flowlog_dropped_total", "Flow records dropped because a stage was full.", "stage");
        FlowLogCloudWatchLines = factory.CreateCounter("npa_flowlog_cloudwatch_lines_total",
            "Flow lines through the CloudWatch Logs shipper by outcome: delivered, dropped (buffer full, out of range, failed, rejected), folded (sent inside a flow summary).", "outcome");
        FlowLogCloudWatchRequests = factory.CreateCounter("npa_flowlog_cloudwatch_requests_total", "PutLogEvents calls made (retries included).");
        StageErrors = factory.CreateCounter("npa_stage_errors_total", "Items a pipeline stage failed on and skipped.", "stage");
        EventsJournaled = factory.CreateCounter("npa_journal_events_total", "Input events appended to the journal.");
    }

    public CollectorRegistry Registry { get; }

    public Counter DropCount { get; }

    public Counter DropBytes { get; }

    public Counter AcceptCount { get; }

    public Histogram ProgrammingLatency { get; }

    public Gauge ProgrammedPods { get; }

    public Gauge ProgrammedEntries { get; }

    public Counter WatchRestarts { get; }

    public Gauge JournalBytes { get; }

    public Counter FlowLogDropped { get; }

    public Counter FlowLogCloudWatchLines { get; }

    public Counter FlowLogCloudWatchRequests { get; }

    public Counter StageErrors { get; }

    public Counter EventsJournaled { get; }
}
