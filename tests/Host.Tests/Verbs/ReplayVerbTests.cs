using System.Text.Json.Nodes;
using Npa.Host.Tests.Daemons;
using Npa.Host.Verbs;
using Npa.Ingest.Journal;
using Npa.Resolver.Events;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Host.Tests.Verbs;

public class ReplayVerbTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private sealed class StepClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = Start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>A journal of the shop's events, one minute apart, then web-2 deleted a minute later.</summary>
    private static string WriteJournal()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"npa-hosting-replay-{Guid.NewGuid():N}");
        StepClock clock = new();
        using EventJournal journal = EventJournal.Open(new JournalOptions { Directory = dir }, clock);
        foreach (ClusterEvent e in AgentSamples.Events())
        {
            journal.Append(ClusterEventMapper.ToJournal(e)!);
            clock.Now += TimeSpan.FromMinutes(1);
        }

        journal.Append(ClusterEventMapper.ToJournal(new PodDeleted(new ObjectRef("shop", "web-2"), "uid-web-2", "9"))!);
        return dir;
    }

    [Fact]
    public void Replay_GivesTheResolversDecisionsForTheJournaledState()
    {
        string dir = WriteJournal();
        try
        {
            ReplayVerb.Replay replay = ReplayVerb.Run(dir, until: null, nodeName: "node-a");

            Dictionary<ObjectRef, PodPolicy> expected = AgentSamples.ExpectedOnNodeA(AgentSamples.Pods.Where(p => p.Name != "web-2"));
            Assert.True(AgentSamples.SameSet(replay.Pods.ToDictionary(p => p.Pod), expected));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ReplayUntil_ShowsTheStateAtThatTime()
    {
        string dir = WriteJournal();
        try
        {
            // Events at 12:00 (namespace), 12:01..12:04 (pods), 12:05 (policy), 12:06 (web-2 deleted).
            ReplayVerb.Replay beforePolicy = ReplayVerb.Run(dir, Start.AddMinutes(4.5), "node-a");
            ReplayVerb.Replay beforeDelete = ReplayVerb.Run(dir, Start.AddMinutes(5.5), "node-a");

            Assert.All(beforePolicy.Pods, p => Assert.False(p.Ingress.Isolated));
            Assert.Contains(beforeDelete.Pods, p => p.Pod.Name == "web-2" && p.Ingress.Isolated);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TableOutput_NamesEachPodItsIsolationAndTheRuleBehindEachAllow()
    {
        string dir = WriteJournal();
        try
        {
            string table = ReplayVerb.FormatTable(ReplayVerb.Run(dir, null, "node-a"));

            Assert.Contains("shop/web-1", table);
            Assert.Contains("isolated, 1 rules", table);
            Assert.Contains("ingress allow 192.168.2.10/32 TCP/8080", table);
            Assert.Contains("shop/allow-api-to-web ingress[0]", table);
            Assert.Contains("shop/db-1", table);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void JsonOutput_IsParsableAndCarriesRules()
    {
        string dir = WriteJournal();
        try
        {
            JsonNode root = JsonNode.Parse(ReplayVerb.FormatJson(ReplayVerb.Run(dir, null, null)))!;

            JsonArray pods = root["pods"]!.AsArray();
            Assert.Equal(3, pods.Count); // web-1, db-1 on node-a and api-1 on node-b; web-2 was deleted
            JsonObject web1 = pods.Single(p => p!["pod"]!.GetValue<string>() == "shop/web-1")!.AsObject();
            Assert.True(web1["ingress"]!["isolated"]!.GetValue<bool>());
            Assert.Equal("192.168.2.10/32", web1["ingress"]!["rules"]![0]!["cidr"]!.GetValue<string>());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Replay_NeverChangesTheJournal()
    {
        string dir = WriteJournal();
        try
        {
            Dictionary<string, byte[]> before = Directory.GetFiles(dir).ToDictionary(f => f, File.ReadAllBytes);

            ReplayVerb.Run(dir, null, null);

            Assert.Equal(before.Keys.Order(), Directory.GetFiles(dir).Order());
            Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllBytes(kv.Key)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
