using Microsoft.Extensions.Time.Testing;
using Npa.FlowLogs.Aggregation;
using Npa.FlowLogs.Pipeline;
using Npa.FlowLogs.Records;
using Npa.Resolver.Model;

namespace Npa.FlowLogs.Tests.Aggregation;

public class FlowAggregatorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FlowLogCounters _counters = new();

    private static FlowRecord Deny(ushort srcPort = 40000, Direction direction = Direction.Ingress) => new()
    {
        Source = FlowAddress.Parse("10.0.0.1"),
        Destination = FlowAddress.Parse("10.0.0.2"),
        SourcePort = srcPort,
        DestinationPort = 80,
        Protocol = 6,
        Verdict = FlowVerdict.Deny,
        Direction = direction,
        Count = 1,
    };

    private FlowAggregator Create(bool logAccept = false) =>
        new(new FlowAggregatorOptions { LogAccept = logAccept, Window = TimeSpan.FromSeconds(10) }, _time, _counters);

    [Fact]
    public void FirstDeny_IsLoggedAtOnce_RepeatsWithinTheWindowBecomeOneLineWithTheirCount()
    {
        FlowAggregator aggregator = Create();
        List<FlowRecord> flushed = [];

        Assert.True(aggregator.Offer(Deny()));
        for (int i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.False(aggregator.Offer(Deny()));
        }

        aggregator.Flush(flushed);
        Assert.Empty(flushed); // window still open

        _time.Advance(TimeSpan.FromSeconds(5));
        aggregator.Flush(flushed);

        FlowRecord line = Assert.Single(flushed);
        Assert.Equal(5, line.Count);
        Assert.Equal(0, aggregator.OpenWindows);
        Assert.Equal(5, _counters.EventsAggregated);
    }

    [Fact]
    public void DeniesOfDifferentTuplesOrDirections_AreNotMerged()
    {
        FlowAggregator aggregator = Create();

        Assert.True(aggregator.Offer(Deny(srcPort: 1)));
        Assert.True(aggregator.Offer(Deny(srcPort: 2)));
        Assert.True(aggregator.Offer(Deny(srcPort: 1, direction: Direction.Egress)));
        Assert.Equal(3, aggregator.OpenWindows);
    }

    [Fact]
    public void AfterTheWindowCloses_TheNextDenyIsLoggedAtOnceAgain()
    {
        FlowAggregator aggregator = Create();
        List<FlowRecord> flushed = [];
        Assert.True(aggregator.Offer(Deny()));
        _time.Advance(TimeSpan.FromSeconds(11));
        aggregator.Flush(flushed);

        Assert.Empty(flushed); // no repeats, nothing more to say
        Assert.True(aggregator.Offer(Deny()));
    }

    [Fact]
    public void SumOfCounts_EqualsDeniesSeen()
    {
        FlowAggregator aggregator = Create();
        List<FlowRecord> lines = [];
        int seen = 0;
        for (int second = 0; second < 60; second++)
        {
            for (ushort port = 1; port <= 3; port++)
            {
                for (int k = 0; k < port; k++)
                {
                    FlowRecord r = Deny(srcPort: port);
                    seen++;
                    if (aggregator.Offer(r))
                    {
                        lines.Add(r);
                    }
                }
            }

            _time.Advance(TimeSpan.FromSeconds(1));
            aggregator.Flush(lines);
        }

        aggregator.Flush(lines, all: true);
        Assert.Equal(seen, lines.Sum(l => l.Count));
        Assert.True(lines.Count < seen / 5, $"{lines.Count} lines for {seen} denies");
    }

    [Fact]
    public void Accepts_AreSkippedUnlessEnabled()
    {
        FlowRecord accept = Deny();
        accept.Verdict = FlowVerdict.Allow;

        Assert.False(Create(logAccept: false).Offer(accept));
        Assert.Equal(1, _counters.AcceptsSkipped);
        Assert.True(Create(logAccept: true).Offer(accept));
    }

    [Fact]
    public void NonPositiveWindow_IsRejected()
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => new FlowAggregator(new FlowAggregatorOptions { Window = TimeSpan.Zero }, _time, _counters));
        Assert.Contains("window", ex.Message);
    }
}
