using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// List and watch over the HTTP pipeline of a <see cref="k8s.Kubernetes"/> client: its base address,
/// TLS set-up and credentials (tokens, client certificates, exec plugins) all come from the client's
/// configuration. Bodies are read as JSON trees rather than typed models so that one bad watch line
/// is skipped on its own (with its line number), and the same translators that read manifests read
/// the API's objects.
/// </summary>
internal sealed class KubernetesWatchApi : IWatchApi
{
    private readonly k8s.Kubernetes _client;

    public KubernetesWatchApi(k8s.Kubernetes client)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
    }

    public async Task<ListPage> ListAsync(ApiResource resource, int limit, string? continueToken, string? resourceVersion, CancellationToken cancellationToken)
    {
        // The API server refuses a resourceVersion beside a continue token: later pages belong to the first page's snapshot.
        string query = Query(resource, ("limit", limit.ToString()), ("continue", continueToken), ("resourceVersion", continueToken is null ? resourceVersion : null));
        using HttpResponseMessage response = await SendAsync(resource.CollectionPath + query, cancellationToken).ConfigureAwait(false);
        await ThrowIfErrorAsync(response, resource, "list", cancellationToken).ConfigureAwait(false);
        Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        JsonDocument document;
        await using (stream.ConfigureAwait(false))
        {
            document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        try
        {
            // The page stays in its compact parsed form; each item becomes a tree only where a translator reads it,
            // and only while its page is being applied (the page owns the document).
            JsonElement list = document.RootElement;
            if (list.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException($"{resource}: the response is not a JSON object");
            }

            List<JsonObject> items = [];
            if (list.TryGetProperty("items", out JsonElement array) && array.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in array.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object)
                    {
                        items.Add(JsonObject.Create(item)!);
                    }
                }
            }

            string rv = "";
            string? next = null;
            if (list.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind == JsonValueKind.Object)
            {
                rv = metadata.TryGetProperty("resourceVersion", out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
                next = metadata.TryGetProperty("continue", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            }

            return new ListPage(items, rv, string.IsNullOrEmpty(next) ? null : next) { Owner = document };
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    public async Task<WatchStream> WatchAsync(ApiResource resource, string resourceVersion, int timeoutSeconds, CancellationToken cancellationToken)
    {
        string query = Query(resource,
            ("watch", "true"),
            ("allowWatchBookmarks", "true"),
            ("resourceVersion", resourceVersion),
            ("timeoutSeconds", timeoutSeconds.ToString()));
        HttpResponseMessage response = await SendAsync(resource.CollectionPath + query, cancellationToken).ConfigureAwait(false);
        try
        {
            await ThrowIfErrorAsync(response, resource, "watch", cancellationToken).ConfigureAwait(false);
            Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new WatchStream(new StreamReader(stream, Encoding.UTF8), response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    public async Task<JsonObject?> GetAsync(ApiResource resource, string? ns, string name, CancellationToken cancellationToken)
    {
        ApiResource scoped = resource.Namespaced ? resource with { Namespace = ns } : resource;
        using HttpResponseMessage response = await SendAsync($"{scoped.CollectionPath}/{Uri.EscapeDataString(name)}", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            ApiAccessProblem? unserved = ApiAccessProblem.Classify(response.StatusCode, body, "get", scoped.Group, scoped.Version, scoped.Plural, ns);
            if (unserved is null)
            {
                return null;
            }

            throw new ApiStatusException(response.StatusCode, "NotFound", $"{resource}: HTTP 404: {unserved.Describe()}", unserved);
        }

        return await ReadObjectAsync(response, resource, "get", cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(string relative, CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, new Uri(_client.BaseUri, relative))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.Accept.ParseAdd("application/json");
        if (_client.Credentials is not null)
        {
            await _client.Credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return await _client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response, ApiResource resource, string verb, CancellationToken cancellationToken)
    {
        await ThrowIfErrorAsync(response, resource, verb, cancellationToken).ConfigureAwait(false);
        Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            JsonNode? node = await JsonNode.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return node as JsonObject ?? throw new JsonException($"{resource}: the response is not a JSON object");
        }
    }

    private static async Task ThrowIfErrorAsync(HttpResponseMessage response, ApiResource resource, string verb, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        string? reason = null;
        string message = body;
        try
        {
            if (JsonNode.Parse(body) is JsonObject status)
            {
                reason = (status["reason"] as JsonValue)?.ToString();
                message = (status["message"] as JsonValue)?.ToString() ?? body;
            }
        }
        catch (JsonException)
        {
            // Not a Status object; the raw body is the message.
        }

        ApiAccessProblem? access = ApiAccessProblem.Classify(response.StatusCode, body, verb, resource.Group, resource.Version, resource.Plural, resource.Namespace);
        throw new ApiStatusException(response.StatusCode, reason, $"{resource}: HTTP {(int)response.StatusCode} {reason}: {message}", access);
    }

    private static string Query(ApiResource resource, params (string Key, string? Value)[] extra)
    {
        StringBuilder sb = new();
        void Add(string key, string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            sb.Append(sb.Length == 0 ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }

        Add("fieldSelector", resource.FieldSelector);
        Add("labelSelector", resource.LabelSelector);
        foreach ((string key, string? value) in extra)
        {
            Add(key, value);
        }

        return sb.ToString();
    }
}
