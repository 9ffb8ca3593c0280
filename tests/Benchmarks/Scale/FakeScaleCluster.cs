using System.Text.Json.Nodes;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;

namespace Npa.Benchmarks.Scale;

/// <summary>
/// The in-process fake API server on 127.0.0.1 (plain HTTP) with a kubeconfig pointing at it. The
/// benchmark's own changes go straight into its store; the daemons' requests are the only ones it records.
/// </summary>
internal sealed class FakeScaleCluster : IScaleCluster
{
    private readonly FakeApiServer _server;
    private readonly string _directory;

    private FakeScaleCluster(FakeApiServer server, string directory)
    {
        _server = server;
        _directory = directory;
        Directory.CreateDirectory(directory);
        Kubeconfig = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(Kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: scale
              cluster:
                server: {server.BaseUri.ToString().TrimEnd('/')}
            users:
            - name: scale
              user:
                token: scale-benchmark
            contexts:
            - name: scale
              context:
                cluster: scale
                user: scale
            current-context: scale
            """);
    }

    public string Kubeconfig { get; }

    public string Description => $"in-process fake API server at {_server.BaseUri}";

    public static async Task<FakeScaleCluster> StartAsync(string directory)
    {
        FakeApiServer server = await FakeApiServer.StartAsync().ConfigureAwait(false);
        server.RecordRequestBodies = false;
        return new FakeScaleCluster(server, directory);
    }

    public Task CreateAsync(string collection, JsonObject obj, CancellationToken cancellationToken)
    {
        _server.Upsert(collection, obj);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string collection, string ns, string name, CancellationToken cancellationToken)
    {
        _server.Delete(collection, ns, name);
        return Task.CompletedTask;
    }

    public Task PatchAsync(string collection, string ns, string name, JsonObject mergePatch, CancellationToken cancellationToken)
    {
        JsonObject current = _server.Get(collection, ns, name) ?? throw new InvalidOperationException($"{collection} {ns}/{name} does not exist");
        MergeInto(current, mergePatch);
        _server.Upsert(collection, current);
        return Task.CompletedTask;
    }

    public long PolicyEndpointWrites() =>
        _server.Requests.Count(r => r.Method is "POST" or "PUT" or "PATCH" or "DELETE" && r.Attributes?.Collection == KubeObjects.PolicyEndpoints);

    public Task FollowAsync(PolicyEndpointTracker tracker, CancellationToken cancellationToken)
    {
        foreach (JsonObject pe in _server.Objects(KubeObjects.PolicyEndpoints))
        {
            tracker.Apply("ADDED", pe);
        }

        _server.Observer = (collection, type, obj) =>
        {
            if (collection == KubeObjects.PolicyEndpoints)
            {
                tracker.Apply(type, obj);
            }
        };
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(_directory, recursive: true);
    }

    internal static void MergeInto(JsonObject target, JsonObject patch)
    {
        foreach ((string key, JsonNode? value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject inner && target[key] is JsonObject existing)
            {
                MergeInto(existing, inner);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
