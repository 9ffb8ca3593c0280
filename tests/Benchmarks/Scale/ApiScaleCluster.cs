using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Npa.Benchmarks.Scale;

/// <summary>
/// A real API server reached through a kubeconfig (its credentials and TLS from the Kubernetes client).
/// Pods get their status (Running, IPs) through the status subresource, as a kubelet would set it.
/// PolicyEndpoint writes are counted from what a poll of the list shows changed (new, changed or gone
/// resourceVersions), so writes that cancel out between two polls are missed: a lower bound.
/// </summary>
internal sealed class ApiScaleCluster : IScaleCluster
{
    private const string PolicyEndpointsPath = "apis/networking.k8s.aws/v1alpha1/policyendpoints";
    private readonly k8s.Kubernetes _client;
    private readonly Dictionary<string, string> _seen = new(StringComparer.Ordinal);
    private long _writes;
    private Task? _follow;

    public ApiScaleCluster(string kubeconfig)
    {
        Kubeconfig = Path.GetFullPath(kubeconfig);
        _client = Npa.Ingest.Kubernetes.KubernetesSource.CreateClient(Kubeconfig);
    }

    public string Kubeconfig { get; }

    public string Description => $"API server {_client.BaseUri} (kubeconfig {Kubeconfig})";

    public async Task CreateAsync(string collection, JsonObject obj, CancellationToken cancellationToken)
    {
        string? ns = obj["metadata"]?["namespace"]?.GetValue<string>();
        string name = obj["metadata"]!["name"]!.GetValue<string>();
        JsonObject? status = collection == "api/v1/pods" ? obj["status"]?.DeepClone().AsObject() : null;
        using (HttpResponseMessage created = await SendAsync(HttpMethod.Post, CollectionPath(collection, ns), obj, null, cancellationToken).ConfigureAwait(false))
        {
            if (created.StatusCode != HttpStatusCode.Conflict)
            {
                await EnsureSuccessAsync(created, cancellationToken).ConfigureAwait(false);
            }
        }

        if (status is not null)
        {
            using HttpResponseMessage patched = await SendAsync(HttpMethod.Patch, $"{CollectionPath(collection, ns)}/{name}/status",
                new JsonObject { ["status"] = status }, "application/merge-patch+json", cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(patched, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task DeleteAsync(string collection, string ns, string name, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Delete, $"{CollectionPath(collection, ns)}/{name}",
            new JsonObject { ["gracePeriodSeconds"] = 0 }, null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task PatchAsync(string collection, string ns, string name, JsonObject mergePatch, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(HttpMethod.Patch, $"{CollectionPath(collection, ns)}/{name}", mergePatch,
            "application/merge-patch+json", cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    public long PolicyEndpointWrites() => Interlocked.Read(ref _writes);

    public async Task FollowAsync(PolicyEndpointTracker tracker, CancellationToken cancellationToken)
    {
        await PollAsync(tracker, countWrites: false, cancellationToken).ConfigureAwait(false);
        _follow = Task.Run(
            async () =>
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
                        await PollAsync(tracker, countWrites: true, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (HttpRequestException e)
                    {
                        Console.Error.WriteLine($"scale: listing PolicyEndpoints failed: {e.Message}");
                    }
                }
            },
            CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_follow is not null)
        {
            await _follow.ConfigureAwait(false);
        }

        _client.Dispose();
    }

    private async Task PollAsync(PolicyEndpointTracker tracker, bool countWrites, CancellationToken cancellationToken)
    {
        Dictionary<string, JsonObject> current = new(StringComparer.Ordinal);
        string? next = null;
        do
        {
            string query = "?limit=500" + (next is null ? "" : "&continue=" + Uri.EscapeDataString(next));
            using HttpResponseMessage response = await SendAsync(HttpMethod.Get, PolicyEndpointsPath + query, null, null, cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            JsonObject list = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false))!.AsObject();
            foreach (JsonObject item in (list["items"] as JsonArray ?? []).OfType<JsonObject>())
            {
                current[$"{item["metadata"]!["namespace"]}/{item["metadata"]!["name"]}"] = item;
            }

            next = list["metadata"]?["continue"]?.GetValue<string>() is { Length: > 0 } c ? c : null;
        }
        while (next is not null);

        foreach ((string key, JsonObject item) in current)
        {
            string rv = item["metadata"]!["resourceVersion"]!.GetValue<string>();
            if (!_seen.TryGetValue(key, out string? old) || old != rv)
            {
                tracker.Apply(old is null ? "ADDED" : "MODIFIED", item);
                _seen[key] = rv;
                if (countWrites)
                {
                    Interlocked.Increment(ref _writes);
                }
            }
        }

        foreach (string gone in _seen.Keys.Where(k => !current.ContainsKey(k)).ToList())
        {
            string[] parts = gone.Split('/');
            tracker.Apply("DELETED", new JsonObject { ["metadata"] = new JsonObject { ["namespace"] = parts[0], ["name"] = parts[1] } });
            _seen.Remove(gone);
            if (countWrites)
            {
                Interlocked.Increment(ref _writes);
            }
        }
    }

    private static string CollectionPath(string collection, string? ns)
    {
        if (ns is null)
        {
            return collection;
        }

        int last = collection.LastIndexOf('/');
        return $"{collection[..last]}/namespaces/{ns}{collection[last..]}";
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string relative, JsonObject? body, string? contentType, CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = new(method, new Uri(_client.BaseUri, relative));
        request.Headers.Accept.ParseAdd("application/json");
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
        }

        if (_client.Credentials is not null)
        {
            await _client.Credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return await _client.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: HTTP {(int)response.StatusCode}: {text}");
        }
    }
}
