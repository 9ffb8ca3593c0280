using System.Text.Json.Nodes;
using Npa.Tests.Shared;

namespace Npa.Ingest.Tests.Kubernetes.FakeApiServer;

/// <summary>
/// The fake answers label-selected watches as the API server's watch cache does; the agent's
/// node-scoped PolicyEndpoint slices rely on it.
/// </summary>
public sealed class FakeApiServerSelectorTests
{
    [Theory]
    [InlineData(false)] // replayed from history to a watch started at an older resourceVersion
    [InlineData(true)] // streamed to a watch already open
    public async Task LabelChanges_ReachASelectorsWatchAsAddedModifiedAndDeleted(bool live)
    {
        await using FakeApiServer server = await FakeApiServer.StartAsync();
        long from = server.Revision;
        using HttpClient http = new() { BaseAddress = server.BaseUri };
        Task<List<string>> forNode = Task.FromResult<List<string>>([]);
        Task<List<string>> unmarked = forNode;
        void Watch()
        {
            forNode = ReadAsync(http, $"{KubeObjects.PolicyEndpoints}?watch=true&resourceVersion={from}&labelSelector=nodes.npa.io%2Fnode-1", 4);
            unmarked = ReadAsync(http, $"{KubeObjects.PolicyEndpoints}?watch=true&resourceVersion={from}&labelSelector=%21npa.io%2Fnode-scoped", 4);
        }

        if (live)
        {
            Watch();
            Assert.True(await Poll.UntilAsync(() => server.ActiveWatches(KubeObjects.PolicyEndpoints) == 2), "both watches open");
        }

        JsonObject pe = KubeObjects.PolicyEndpoint("shop", "web-1", "web");
        server.Upsert(KubeObjects.PolicyEndpoints, pe);                                   // unmarked: ADDED
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.NodeScoped(pe, "node-1")); // unmarked: DELETED; node-1: ADDED
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.NodeScoped(pe, "node-1", "node-2")); // node-1: MODIFIED
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.NodeScoped(pe, "node-2")); // node-1: DELETED
        server.Upsert(KubeObjects.PolicyEndpoints, pe);                                   // unmarked: ADDED
        long last = server.Revision;
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.NodeScoped(pe, "node-1")); // unmarked: DELETED; node-1: ADDED
        if (!live)
        {
            Watch();
        }

        Assert.Equal(
            [("ADDED", from + 2), ("MODIFIED", from + 3), ("DELETED", from + 4), ("ADDED", last + 1)],
            (await forNode.WaitAsync(TestTimeouts.Default)).Select(Describe));
        Assert.Equal(
            [("ADDED", from + 1), ("DELETED", from + 2), ("ADDED", from + 5), ("DELETED", last + 1)],
            (await unmarked.WaitAsync(TestTimeouts.Default)).Select(Describe));

        // A DELETED for an object leaving the selection carries its last matching state.
        JsonObject deleted = JsonNode.Parse((await forNode)[2])!["object"]!.AsObject();
        Assert.NotNull(deleted["metadata"]!["labels"]!["nodes.npa.io/node-1"]);
    }

    private static async Task<List<string>> ReadAsync(HttpClient http, string query, int count)
    {
        using HttpResponseMessage response = await http.GetAsync(query, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using StreamReader reader = new(await response.Content.ReadAsStreamAsync());
        List<string> lines = [];
        while (lines.Count < count && await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    private static (string, long) Describe(string line)
    {
        JsonObject e = JsonNode.Parse(line)!.AsObject();
        return (e["type"]!.GetValue<string>(), long.Parse(e["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
    }
}
