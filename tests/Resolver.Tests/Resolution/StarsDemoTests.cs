using Npa.Ingest.Manifests;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;

namespace Npa.Resolver.Tests.Resolution;

/// <summary>
/// The Stars demo of the EKS user guide, step by step: after each step, the edges the management UI
/// draws (A reaches B on B's own port) are exactly the ones the guide describes.
/// </summary>
public class StarsDemoTests
{
    private static readonly string Demo = Path.Combine(AppContext.BaseDirectory, "demo", "stars");

    private static readonly Dictionary<string, int> ServingPort = new()
    {
        ["management-ui/management-ui"] = 9001,
        ["stars/backend"] = 6379,
        ["stars/frontend"] = 80,
        ["client/client"] = 9000,
    };

    public static TheoryData<int, string[]> Steps() => new()
    {
        // Before any policy every pod reaches every other.
        { 0, Everything() },
        // default-deny: the UI reaches nobody and the stars and client pods reach nobody; the UI itself stays open.
        { 1, ["stars/backend -> management-ui/management-ui", "stars/frontend -> management-ui/management-ui", "client/client -> management-ui/management-ui"] },
        // allow-ui: the UI reaches every pod again, the pods still reach no one but the UI.
        { 2, [.. UiEdges()] },
        // backend-policy: the front end reaches the back end.
        { 3, [.. UiEdges(), "stars/frontend -> stars/backend"] },
        // frontend-policy: the client reaches the front end; the front end still reaches the back end.
        { 4, [.. UiEdges(), "stars/frontend -> stars/backend", "client/client -> stars/frontend"] },
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public void AfterEachStep_TheUiShowsTheConnectionsTheGuideDescribes(int step, string[] expectedEdges)
    {
        List<string> paths = [Path.Combine(Demo, "00-namespaces.yaml"), Path.Combine(Demo, "01-pods.yaml")];
        paths.AddRange(Directory.EnumerateDirectories(Path.Combine(Demo, "steps")).Order(StringComparer.Ordinal).Take(step));
        ManifestSet set = ManifestReader.ReadPaths(paths);
        Assert.Empty(set.Diagnostics);

        ResolvedCluster resolved = PolicyResolver.Resolve(new ClusterSnapshot(set.Namespaces, set.Pods, set.Policies, set.Services));
        List<string> edges = [];
        foreach (string from in ServingPort.Keys)
        {
            foreach ((string to, int port) in ServingPort)
            {
                if (from != to && VerdictEvaluator.Evaluate(resolved, Ref(from), Ref(to), Probe.Tcp(port)).Allowed)
                {
                    edges.Add($"{from} -> {to}");
                }
            }
        }

        Assert.Equal(expectedEdges.Order(), edges.Order());
    }

    private static string[] Everything() =>
        [.. ServingPort.Keys.SelectMany(from => ServingPort.Keys.Where(to => to != from).Select(to => $"{from} -> {to}"))];

    private static IEnumerable<string> UiEdges() =>
        ["management-ui/management-ui -> stars/backend", "management-ui/management-ui -> stars/frontend", "management-ui/management-ui -> client/client",
         "stars/backend -> management-ui/management-ui", "stars/frontend -> management-ui/management-ui", "client/client -> management-ui/management-ui"];

    private static ObjectRef Ref(string id) => ObjectRef.TryParse(id, out ObjectRef r) ? r : throw new ArgumentException(id);
}
