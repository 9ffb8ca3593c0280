using System.Text.Json.Nodes;
using Npa.Ingest.Translation;
using Npa.Resolver.Model;
using Npa.Tests.Shared.Scale;

namespace Npa.Ingest.Tests.Translation;

/// <summary>The scale scenario's objects are what the scenario says, and Ingest accepts every one of them.</summary>
public sealed class ScaleScenarioTests
{
    private static readonly ScaleScenario Small = new(new ScaleSize(Namespaces: 4, PodsPerNamespace: 12, Nodes: 5));

    [Fact]
    public void EveryObject_IsAcceptedByItsTranslator_WithoutErrors()
    {
        List<Diagnostic> diagnostics =
        [
            .. Small.Namespaces().SelectMany(n => NamespaceTranslator.Translate(n).Diagnostics),
            .. Small.Pods().SelectMany(p => PodTranslator.Translate(p).Diagnostics),
            .. Small.Services().SelectMany(s => ServiceTranslator.Translate(s).Diagnostics),
            .. Small.NetworkPolicies().SelectMany(p => NetworkPolicyTranslator.Translate(p).Diagnostics),
        ];

        Assert.DoesNotContain(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void SameSize_GivesTheSameObjects_ByteForByte()
    {
        ScaleScenario again = new(Small.Size);

        Assert.Equal(Json(Small.Pods()), Json(again.Pods()));
        Assert.Equal(Json(Small.NetworkPolicies()), Json(again.NetworkPolicies()));
    }

    [Fact]
    public void Pods_AreSpreadOverTheNodes_WithOneUniqueAddressEach_AndRunning()
    {
        PodInfo[] pods = [.. Small.Pods().Select(p => PodTranslator.Translate(p).Value!)];

        Assert.Equal(48, pods.Length);
        Assert.Equal(48, pods.SelectMany(p => p.Ips).Distinct().Count());
        Assert.All(pods, p => Assert.StartsWith("10.200.", p.Ips.Single().ToString(), StringComparison.Ordinal));
        Assert.Equal(["node-0", "node-1", "node-2", "node-3", "node-4"], pods.Select(p => p.NodeName).Distinct().Order());
        Assert.All(pods, p => Assert.Equal($"10.1.0.{p.NodeName!["node-".Length..]}", p.HostIp));
        Assert.All(Small.Pods(), p => Assert.Equal("Running", p["status"]!["phase"]!.GetValue<string>()));
    }

    [Fact]
    public void AddedPod_FollowsOnFromTheLastScenarioPod()
    {
        string[] scenarioIps = [.. Small.Pods().Select(p => p["status"]!["podIP"]!.GetValue<string>())];
        JsonObject added = Small.Pod(namespaceIndex: 2, p: Small.Size.PodsPerNamespace);

        Assert.Equal(ScaleScenario.PodIp(Small.PodCount + 2), added["status"]!["podIP"]!.GetValue<string>());
        Assert.DoesNotContain(added["status"]!["podIP"]!.GetValue<string>(), scenarioIps);
    }

    [Theory]
    [InlineData(0, PolicyShape.DefaultDenyIngress, "app=a0,tier=web;app=a1,tier=db", 2)]
    [InlineData(1, PolicyShape.AppFromApp, "app=a1,tier=web;app=a2,tier=web", 1)]
    [InlineData(4, PolicyShape.SetFromNotDb, "app=a4,tier=web;app=a6,tier=api;app=a5,tier=api", 2)]
    [InlineData(6, PolicyShape.DbFromProdWeb, "app=a6,tier=db;app=a6,tier=web", 1)]
    [InlineData(9, PolicyShape.AppFromApp, "app=a1,tier=web;app=a2,tier=web", 0)]
    public void PolicyShapes_SelectTheirPods(int j, PolicyShape shape, string podLabels, int selected)
    {
        NetworkPolicySpec policy = NetworkPolicyTranslator.Translate(ScaleScenario.NetworkPolicy(namespaceIndex: 1, j)).Value!;

        Assert.Equal(shape, ScaleScenario.ShapeOf(j));
        Assert.Equal(selected, podLabels.Split(';').Count(labels => policy.PodSelector.Matches(
            labels.Split(',').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]))));
    }

    private static string[] Json(IEnumerable<JsonObject> objects) => [.. objects.Select(o => o.ToJsonString())];
}
