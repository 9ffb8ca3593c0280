using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Npa.Ingest.Tests.Kubernetes.FakeApiServer;

/// <summary>
/// An in-process API server on 127.0.0.1 that speaks enough of the Kubernetes wire protocol for
/// the real client: paged lists with resourceVersion and continue tokens, watches as chunked JSON
/// lines from a resourceVersion (with bookmarks on demand), 410 Gone after compaction (as an HTTP
/// status or as an ERROR event), field and label selectors, create with generateName, JSON merge
/// patch, delete, and GET. Where a real API server would refuse a request, so does this one: list
/// options it rejects (400), strategic merge patch on a custom resource (415), PolicyEndpoints that do
/// not fit the chart's CRD (422), blockOwnerDeletion without the finalizers permission, and on demand
/// 403 per verb (<see cref="Forbid"/>) and 404 for a resource no CRD serves (<see cref="Unserve"/>).
/// Tests change objects, inject raw lines, compact history and cut connections, and read back every
/// request it saw, with the attributes RBAC would check.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _collections = new(StringComparer.Ordinal);
    private readonly List<StoredEvent> _history = [];
    private readonly List<Watcher> _watchers = [];
    private readonly List<RecordedRequest> _requests = [];
    private readonly WebApplication _app;
    private long _revision = 100;
    private long _compactedBelow;
    private int _nameCounter;

    private FakeApiServer(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>
    /// Called after every stored change, under the server's lock and in revision order, with the collection,
    /// the event type (ADDED, MODIFIED, DELETED) and the stored object, which the callee must neither change
    /// nor keep past the call. A benchmark follows PolicyEndpoints through it without listing them.
    /// </summary>
    public Action<string, string, JsonObject>? Observer { get; set; }

    /// <summary>
    /// Runs before each list page is served, with the collection and the offset the page starts at (0 for
    /// the first page): it may delay the page (a slow list), or return a status to fail it with (a list that
    /// breaks part-way); null serves the page.
    /// </summary>
    public Func<string, int, Task<HttpStatusCode?>>? BeforeListPage { get; set; }

    /// <summary>
    /// When false, requests are recorded without their bodies (a long benchmark run would otherwise hold
    /// every PolicyEndpoint the controller ever wrote).
    /// </summary>
    public bool RecordRequestBodies { get; set; } = true;

    /// <summary>When true, a watch from a compacted resourceVersion gets 200 and an ERROR event; otherwise HTTP 410.</summary>
    public bool GoneAsErrorEvent { get; set; }

    private int _failuresLeft;
    private HttpStatusCode _failureStatus;
    private bool _expireNextContinue;
    private readonly Dictionary<string, StructuralSchema> _schemas = new(StringComparer.Ordinal)
    {
        // As on a cluster with the chart's CRD installed: PolicyEndpoints that do not fit its schema are refused.
        [KubeObjects.PolicyEndpoints] = ChartFiles.PolicyEndpointSchema,
    };

    private readonly HashSet<string> _unserved = new(StringComparer.Ordinal);
    private readonly HashSet<(string Collection, string Verb)> _forbidden = [];
    private bool _unservedAsPlainText;

    /// <summary>
    /// Answers every request for <paramref name="collection"/> (e.g. <see cref="KubeObjects.PolicyEndpoints"/>)
    /// with 404 as a real API server does when no CRD serves that group and version: a Status without
    /// details (or, with <paramref name="plainText"/>, the bare "404 page not found" some versions send).
    /// </summary>
    public void Unserve(string collection, bool plainText = false)
    {
        lock (_gate)
        {
            _unserved.Add(collection);
            _unservedAsPlainText = plainText;
        }
    }

    /// <summary>Serves <paramref name="collection"/> again (the CRD was installed).</summary>
    public void Serve(string collection)
    {
        lock (_gate)
        {
            _unserved.Remove(collection);
        }
    }

    /// <summary>
    /// Answers <paramref name="verbs"/> (RBAC verbs: get, list, watch, create, update, patch, delete) on
    /// <paramref name="collection"/> with 403 Forbidden, worded as the RBAC authorizer words it.
    /// </summary>
    public void Forbid(string collection, params string[] verbs)
    {
        lock (_gate)
        {
            foreach (string verb in verbs)
            {
                _forbidden.Add((collection, verb));
            }
        }
    }

    /// <summary>Lifts every <see cref="Forbid"/> on <paramref name="collection"/> (the RBAC rule was added).</summary>
    public void Permit(string collection)
    {
        lock (_gate)
        {
            _forbidden.RemoveWhere(f => f.Collection == collection);
        }
    }

    /// <summary>The next <paramref name="count"/> requests fail with <paramref name="status"/> (e.g. 500, 429).</summary>
    public void FailNext(int count, HttpStatusCode status)
    {
        lock (_gate)
        {
            _failuresLeft = count;
            _failureStatus = status;
        }
    }

    private readonly Dictionary<string, TimeSpan> _listDelays = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _continuedPageFailures = new(StringComparer.Ordinal);

    /// <summary>Every list page of <paramref name="collection"/> is answered only after <paramref name="perPage"/> (a slow API server or etcd).</summary>
    public void SlowLists(string collection, TimeSpan perPage)
    {
        lock (_gate)
        {
            _listDelays[collection] = perPage;
        }
    }

    /// <summary>The next <paramref name="count"/> continued pages (second page onwards) of <paramref name="collection"/> fail with 500: a list that breaks part-way.</summary>
    public void FailContinuedPages(string collection, int count)
    {
        lock (_gate)
        {
            _continuedPageFailures[collection] = count;
        }
    }

    /// <summary>The next list request that carries a continue token gets 410 Expired.</summary>
    public void ExpireNextContinue()
    {
        lock (_gate)
        {
            _expireNextContinue = true;
        }
    }

    /// <summary>Current revision: the resourceVersion of the latest change.</summary>
    public long Revision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    public static async Task<FakeApiServer> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        FakeApiServer server = new(app);
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        string address = app.Services.GetService(typeof(IServer)) is IServer s
            ? s.Features.Get<IServerAddressesFeature>()!.Addresses.First()
            : throw new InvalidOperationException("no server");
        server.BaseUri = new Uri(address);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        DropWatches();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Number of watches currently streaming for a collection.</summary>
    public int ActiveWatches(string collection)
    {
        lock (_gate)
        {
            return _watchers.Count(w => w.Collection == collection);
        }
    }

    /// <summary>Creates or replaces an object (metadata.namespace/name identify it); assigns uid and resourceVersion.</summary>
    public JsonObject Upsert(string collection, JsonObject obj)
    {
        lock (_gate)
        {
            JsonObject copy = obj.DeepClone().AsObject();
            JsonObject meta = Meta(copy);
            string key = Key(meta);
            SortedDictionary<string, JsonObject> store = Store(collection);
            bool exists = store.TryGetValue(key, out JsonObject? old);
            meta["uid"] = exists ? Meta(old!)["uid"]!.DeepClone() : (meta["uid"]?.DeepClone() ?? $"uid-{Guid.NewGuid():N}");
            meta["resourceVersion"] = (++_revision).ToString();
            store[key] = copy;
            Publish(collection, exists ? "MODIFIED" : "ADDED", copy, exists ? old : null);
            return copy.DeepClone().AsObject();
        }
    }

    public bool Delete(string collection, string? ns, string name)
    {
        lock (_gate)
        {
            string key = $"{ns}/{name}";
            if (!Store(collection).Remove(key, out JsonObject? old))
            {
                return false;
            }

            Meta(old)["resourceVersion"] = (++_revision).ToString();
            Publish(collection, "DELETED", old);
            return true;
        }
    }

    /// <summary>A copy of one stored object; null when there is none.</summary>
    public JsonObject? Get(string collection, string? ns, string name)
    {
        lock (_gate)
        {
            return Store(collection).TryGetValue($"{ns}/{name}", out JsonObject? o) ? o.DeepClone().AsObject() : null;
        }
    }

    public IReadOnlyList<JsonObject> Objects(string collection)
    {
        lock (_gate)
        {
            return [.. Store(collection).Values.Select(o => o.DeepClone().AsObject())];
        }
    }

    /// <summary>Forgets history: watches from any older resourceVersion get 410 Gone; open watches receive it now.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compactedBelow = _revision;
            _history.Clear();
            foreach (Watcher w in _watchers)
            {
                w.Lines.Writer.TryWrite(GoneEventLine(w.From));
                w.Lines.Writer.TryComplete();
            }
        }
    }

    /// <summary>
    /// One step of a random walk a watching client must come through: out of <paramref name="outOf"/>
    /// equally likely outcomes, one drops every watch, one applies 1-3 <paramref name="change"/>s while
    /// watchers are cut off and history is compacted (<see cref="ChangeWhileDisconnected"/>), each of
    /// <paramref name="extras"/> takes one, and the rest make one change.
    /// </summary>
    public void Disturb(Random random, int outOf, Action change, params Action[] extras)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(change);
        int pick = random.Next(outOf);
        if (pick == 0)
        {
            DropWatches();
        }
        else if (pick == 1)
        {
            ChangeWhileDisconnected(() =>
            {
                for (int i = random.Next(1, 4); i > 0; i--)
                {
                    change();
                }
            });
        }
        else if (pick - 2 < extras.Length)
        {
            extras[pick - 2]();
        }
        else
        {
            change();
        }
    }

    /// <summary>
    /// Simulates changes made while every watch was disconnected and history was compacted: open
    /// watches are cut, <paramref name="changes"/> are applied without being streamed, and history
    /// is forgotten, so a client resuming from its old resourceVersion gets 410 Gone.
    /// </summary>
    public void ChangeWhileDisconnected(Action changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_gate)
        {
            foreach (Watcher w in _watchers)
            {
                w.Abort.Cancel();
            }

            _watchers.Clear();
            changes();
            _compactedBelow = _revision;
            _history.Clear();
        }
    }

    /// <summary>Writes a raw line to every open watch of a collection (malformed, stale, bookmark...).</summary>
    public int InjectLine(string collection, string line)
    {
        lock (_gate)
        {
            int n = 0;
            foreach (Watcher w in _watchers.Where(w => w.Collection == collection))
            {
                w.Lines.Writer.TryWrite(line);
                n++;
            }

            return n;
        }
    }

    /// <summary>Sends a BOOKMARK at the current revision to every open watch of a collection.</summary>
    public int Bookmark(string collection) =>
        InjectLine(collection, new JsonObject
        {
            ["type"] = "BOOKMARK",
            ["object"] = new JsonObject { ["kind"] = "Bookmark", ["metadata"] = new JsonObject { ["resourceVersion"] = Revision.ToString() } },
        }.ToJsonString());

    /// <summary>Cuts every open watch mid-stream (connection reset, no end of stream).</summary>
    public void DropWatches()
    {
        lock (_gate)
        {
            foreach (Watcher w in _watchers)
            {
                w.Abort.Cancel();
            }
        }
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        string path = ctx.Request.Path.Value!.TrimStart('/');
        string body = "";
        if (ctx.Request.ContentLength > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
        {
            using StreamReader r = new(ctx.Request.Body);
            body = await r.ReadToEndAsync(ctx.RequestAborted);
        }

        RecordedRequest request = new(ctx.Request.Method, path, ctx.Request.QueryString.Value ?? "", ctx.Request.ContentType, RecordRequestBodies ? body : "")
        {
            Authorization = ctx.Request.Headers.Authorization.ToString(),
        };
        lock (_gate)
        {
            _requests.Add(request);
        }

        HttpStatusCode? failure = null;
        lock (_gate)
        {
            if (_failuresLeft > 0)
            {
                _failuresLeft--;
                failure = _failureStatus;
            }
        }

        if (failure is not null)
        {
            await WriteStatusAsync(ctx, failure.Value, failure.Value.ToString(), "injected failure");
            return;
        }

        if (!TryParsePath(path, out string collection, out string? ns, out string? name))
        {
            await WriteStatusAsync(ctx, HttpStatusCode.NotFound, "NotFound", $"no route {path}");
            return;
        }

        bool unserved, forbidden, plainText;
        ApiRequestAttributes? attributes = request.Attributes;
        lock (_gate)
        {
            unserved = _unserved.Contains(collection);
            plainText = _unservedAsPlainText;
            forbidden = attributes is not null && _forbidden.Contains((collection, attributes.Verb));
        }

        if (unserved)
        {
            if (plainText)
            {
                ctx.Response.StatusCode = 404;
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                await ctx.Response.WriteAsync("404 page not found\n");
            }
            else
            {
                await WriteStatusAsync(ctx, HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
            }

            return;
        }

        if (forbidden)
        {
            string resource = attributes!.Group.Length == 0 ? attributes.Resource : $"{attributes.Resource}.{attributes.Group}";
            string scope = ns is null ? "at the cluster scope" : $"in the namespace \"{ns}\"";
            await WriteStatusAsync(ctx, HttpStatusCode.Forbidden, "Forbidden",
                $"{resource}{(name is null ? "" : $" \"{name}\"")} is forbidden: User \"system:serviceaccount:kube-system:npa\" cannot {attributes.Verb} resource \"{attributes.Resource}\" in API group \"{attributes.Group}\" {scope}");
            return;
        }

        IQueryCollection q = ctx.Request.Query;
        if (ctx.Request.Method == "GET" && name is null && QueryProblem(q) is { } problem)
        {
            // As the API server validates list options before serving a list or watch.
            await WriteStatusAsync(ctx, HttpStatusCode.BadRequest, "BadRequest", problem);
            return;
        }

        switch (ctx.Request.Method)
        {
            case "GET" when name is null && q["watch"] is ["true" or "1"]:
                await WatchAsync(ctx, collection, ns, q);
                break;
            case "GET" when name is null:
                await ListAsync(ctx, collection, ns, q);
                break;
            case "GET":
                await GetAsync(ctx, collection, ns, name);
                break;
            case "POST" when name is null:
                await CreateAsync(ctx, collection, ns, body);
                break;
            case "PUT" when name is not null:
                await ReplaceAsync(ctx, collection, ns, name, body);
                break;
            case "PATCH" when name is not null:
                await PatchAsync(ctx, collection, ns, name, body);
                break;
            case "DELETE" when name is not null:
                if (Delete(collection, ns, name))
                {
                    await WriteStatusAsync(ctx, HttpStatusCode.OK, "", "deleted");
                }
                else
                {
                    await WriteObjectNotFoundAsync(ctx, collection, name);
                }

                break;
            default:
                await WriteStatusAsync(ctx, HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", ctx.Request.Method);
                break;
        }
    }

    /// <summary>
    /// The plural of an owner the request may not block deletion of: an ownerReference with
    /// blockOwnerDeletion to a NetworkPolicy while <c>Forbid(KubeObjects.NetworkPolicies + "/finalizers", "update")</c> holds.
    /// </summary>
    private string? BlockedOwner(JsonObject meta)
    {
        foreach (JsonObject owner in (meta["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (owner["blockOwnerDeletion"]?.GetValue<bool>() == true && (owner["kind"] as JsonValue)?.ToString() == "NetworkPolicy")
            {
                lock (_gate)
                {
                    if (_forbidden.Contains(($"{KubeObjects.NetworkPolicies}/finalizers", "update")))
                    {
                        return "networkpolicies";
                    }
                }
            }
        }

        return null;
    }

    /// <summary>List options a real API server refuses with 400 Bad Request.</summary>
    private static string? QueryProblem(IQueryCollection q)
    {
        bool watch = q["watch"] is ["true" or "1"];
        string? rv = q["resourceVersion"];
        if (!string.IsNullOrEmpty(q["continue"]) && !string.IsNullOrEmpty(rv) && rv != "0")
        {
            return "specifying resource version is not allowed when using continue";
        }

        if (!string.IsNullOrEmpty(q["resourceVersionMatch"]))
        {
            if (watch)
            {
                return "resourceVersionMatch is forbidden for watch";
            }

            if (string.IsNullOrEmpty(rv))
            {
                return "resourceVersionMatch is forbidden unless resourceVersion is provided";
            }
        }

        if (q["limit"] is [{ } limit] && (!long.TryParse(limit, out long l) || l < 0))
        {
            return $"limit: Invalid value: \"{limit}\"";
        }

        if (q["timeoutSeconds"] is [{ } timeout] && !long.TryParse(timeout, out _))
        {
            return $"timeoutSeconds: Invalid value: \"{timeout}\"";
        }

        if (q["labelSelector"] is [{ } labelSelector] && (labelSelector.Contains('(', StringComparison.Ordinal) || labelSelector.Contains(' ', StringComparison.Ordinal)))
        {
            // Set-based selectors (in, notin) are valid on a real server; this fake would silently mis-answer them, so it says so.
            return $"this fake server implements only equality and existence label selectors, not \"{labelSelector}\"";
        }

        if (q["fieldSelector"] is [{ } fields] && fields.Split(',').Any(c => !c.Contains('=', StringComparison.Ordinal)))
        {
            return $"invalid field selector: \"{fields}\"";
        }

        return null;
    }

    private async Task ListAsync(HttpContext ctx, string collection, string? ns, IQueryCollection q)
    {
        int limit = int.TryParse(q["limit"], out int l) && l > 0 ? l : int.MaxValue;
        string? cont = q["continue"];
        if (BeforeListPage is { } hook &&
            await hook(collection, string.IsNullOrEmpty(cont) ? 0 : int.Parse(cont.Split(':')[1])) is HttpStatusCode refusal)
        {
            await WriteStatusAsync(ctx, refusal, refusal.ToString(), "injected failure of a list page");
            return;
        }

        TimeSpan delay;
        bool fail = false;
        lock (_gate)
        {
            delay = _listDelays.GetValueOrDefault(collection);
            if (!string.IsNullOrEmpty(cont) && _continuedPageFailures.TryGetValue(collection, out int failures) && failures > 0)
            {
                _continuedPageFailures[collection] = failures - 1;
                fail = true;
            }
        }

        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, ctx.RequestAborted);
        }

        if (fail)
        {
            await WriteStatusAsync(ctx, HttpStatusCode.InternalServerError, "InternalError", "etcdserver: request timed out (test)");
            return;
        }

        List<JsonObject> page;
        string rv;
        string? next = null;
        lock (_gate)
        {
            long snapshotRv = _revision;
            int offset = 0;
            if (!string.IsNullOrEmpty(cont))
            {
                string[] parts = cont.Split(':');
                snapshotRv = long.Parse(parts[0]);
                offset = int.Parse(parts[1]);
                if (snapshotRv < _compactedBelow || _expireNextContinue)
                {
                    _expireNextContinue = false;
                    page = [];
                    rv = "";
                    goto expired;
                }
            }

            // A continued list is served from the current state: good enough for tests, which do not
            // change objects between pages.
            List<JsonObject> all = [.. Store(collection).Values.Where(o => Matches(o, ns, q["fieldSelector"], q["labelSelector"]))];
            page = [.. all.Skip(offset).Take(limit).Select(o => o.DeepClone().AsObject())];
            if (offset + page.Count < all.Count)
            {
                next = $"{snapshotRv}:{offset + page.Count}";
            }

            rv = snapshotRv.ToString();
        }

        JsonObject list = new()
        {
            ["kind"] = "List",
            ["apiVersion"] = "v1",
            ["metadata"] = next is null ? new JsonObject { ["resourceVersion"] = rv } : new JsonObject { ["resourceVersion"] = rv, ["continue"] = next },
            ["items"] = new JsonArray([.. page]),
        };
        await WriteJsonAsync(ctx, HttpStatusCode.OK, list);
        return;

    expired:
        await WriteStatusAsync(ctx, HttpStatusCode.Gone, "Expired", "the provided continue parameter is too old");
    }

    private async Task WatchAsync(HttpContext ctx, string collection, string? ns, IQueryCollection q)
    {
        long from = long.TryParse(q["resourceVersion"], out long f) ? f : 0;
        int timeout = int.TryParse(q["timeoutSeconds"], out int t) ? t : 300;
        Watcher watcher;
        lock (_gate)
        {
            if (from < _compactedBelow && !GoneAsErrorEvent)
            {
                watcher = null!;
            }
            else
            {
                watcher = new Watcher(collection, ns, q["fieldSelector"], from) { LabelSelector = q["labelSelector"] };
                if (from < _compactedBelow)
                {
                    watcher.Lines.Writer.TryWrite(GoneEventLine(from));
                    watcher.Lines.Writer.TryComplete();
                }
                else
                {
                    foreach (StoredEvent e in _history.Where(e => e.Collection == collection && e.Revision > from))
                    {
                        if (e.LineFor(watcher) is { } line)
                        {
                            watcher.Lines.Writer.TryWrite(line);
                        }
                    }

                    _watchers.Add(watcher);
                }
            }
        }

        if (watcher is null)
        {
            await WriteStatusAsync(ctx, HttpStatusCode.Gone, "Expired", $"too old resource version: {from} ({_compactedBelow})");
            return;
        }

        try
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.StartAsync();
            await ctx.Response.Body.FlushAsync();
            using CancellationTokenSource end = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, watcher.Abort.Token);
            end.CancelAfter(TimeSpan.FromSeconds(timeout));
            try
            {
                await foreach (string line in watcher.Lines.Reader.ReadAllAsync(end.Token))
                {
                    await ctx.Response.WriteAsync(line + "\n", end.Token);
                    await ctx.Response.Body.FlushAsync(end.Token);
                }
            }
            catch (OperationCanceledException)
            {
                if (watcher.Abort.IsCancellationRequested)
                {
                    ctx.Abort();
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    private async Task GetAsync(HttpContext ctx, string collection, string? ns, string name)
    {
        JsonObject? obj;
        lock (_gate)
        {
            obj = Store(collection).TryGetValue($"{ns}/{name}", out JsonObject? o) ? o.DeepClone().AsObject() : null;
        }

        if (obj is null)
        {
            await WriteObjectNotFoundAsync(ctx, collection, name);
            return;
        }

        await WriteJsonAsync(ctx, HttpStatusCode.OK, obj);
    }

    private async Task CreateAsync(HttpContext ctx, string collection, string? ns, string body)
    {
        JsonObject obj = JsonNode.Parse(body)!.AsObject();
        JsonObject meta = Meta(obj);
        if (ns is not null)
        {
            meta["namespace"] = ns;
        }

        string? name = meta["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            string? generate = meta["generateName"]?.GetValue<string>();
            if (string.IsNullOrEmpty(generate))
            {
                await WriteStatusAsync(ctx, HttpStatusCode.UnprocessableEntity, "Invalid", "name or generateName is required");
                return;
            }

            // As the API server's name generator: the base cut to 58 characters, then 5 characters from its alphabet.
            meta["name"] = $"{(generate.Length > 58 ? generate[..58] : generate)}{NameSuffix(Interlocked.Increment(ref _nameCounter))}";
        }

        if (await RefuseInvalidAsync(ctx, collection, obj))
        {
            return;
        }

        if (BlockedOwner(meta) is { } owner)
        {
            // OwnerReferencesPermissionEnforcement: blockOwnerDeletion needs update on the owner's finalizers.
            await WriteStatusAsync(ctx, HttpStatusCode.Forbidden, "Forbidden",
                $"{collection.Split('/')[^1]} \"{meta["name"]}\" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: " +
                $"User \"system:serviceaccount:kube-system:npa\" cannot update resource \"{owner}/finalizers\" in API group \"networking.k8s.io\" in the namespace \"{ns}\", <nil>");
            return;
        }

        lock (_gate)
        {
            if (Store(collection).ContainsKey(Key(meta)))
            {
                obj = null!;
            }
        }

        if (obj is null)
        {
            await WriteStatusAsync(ctx, HttpStatusCode.Conflict, "AlreadyExists", $"{name} already exists");
            return;
        }

        await WriteJsonAsync(ctx, HttpStatusCode.Created, Upsert(collection, obj));
    }

    private async Task ReplaceAsync(HttpContext ctx, string collection, string? ns, string name, string body)
    {
        JsonObject obj = JsonNode.Parse(body)!.AsObject();
        JsonObject meta = Meta(obj);
        meta["name"] = name;
        if (ns is not null)
        {
            meta["namespace"] = ns;
        }

        if (await RefuseInvalidAsync(ctx, collection, obj))
        {
            return;
        }

        string? expected = meta["resourceVersion"]?.GetValue<string>();
        lock (_gate)
        {
            if (Store(collection).TryGetValue(Key(meta), out JsonObject? current) && !string.IsNullOrEmpty(expected) &&
                Meta(current)["resourceVersion"]!.GetValue<string>() != expected)
            {
                obj = null!;
            }
        }

        if (obj is null)
        {
            await WriteStatusAsync(ctx, HttpStatusCode.Conflict, "Conflict", "the object has been modified");
            return;
        }

        await WriteJsonAsync(ctx, HttpStatusCode.OK, Upsert(collection, obj));
    }

    private async Task PatchAsync(HttpContext ctx, string collection, string? ns, string name, string body)
    {
        JsonObject? current;
        lock (_gate)
        {
            current = Store(collection).TryGetValue($"{ns}/{name}", out JsonObject? o) ? o.DeepClone().AsObject() : null;
        }

        if (current is null)
        {
            await WriteObjectNotFoundAsync(ctx, collection, name);
            return;
        }

        string contentType = ctx.Request.ContentType?.Split(';')[0].Trim() ?? "";
        bool customResource = collection.StartsWith("apis/", StringComparison.Ordinal) && !BuiltInGroups.Contains(collection.Split('/')[1]);
        if (contentType == "application/strategic-merge-patch+json" && customResource)
        {
            // Custom resources have no patch strategy metadata: the API server refuses strategic merge patch.
            await WriteStatusAsync(ctx, HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType",
                $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
            return;
        }

        if (contentType != "application/merge-patch+json")
        {
            await WriteStatusAsync(ctx, HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"this fake server applies only application/merge-patch+json, not '{contentType}'");
            return;
        }

        MergePatch(current, JsonNode.Parse(body)!.AsObject());
        if (await RefuseInvalidAsync(ctx, collection, current))
        {
            return;
        }

        await WriteJsonAsync(ctx, HttpStatusCode.OK, Upsert(collection, current));
    }

    private static readonly HashSet<string> BuiltInGroups = new(StringComparer.Ordinal)
    {
        "apps", "batch", "networking.k8s.io", "coordination.k8s.io", "events.k8s.io", "rbac.authorization.k8s.io", "discovery.k8s.io", "policy",
    };

    /// <summary>The schema a collection's objects must fit (every write to it is validated as a CRD's structural schema would).</summary>
    public void EnforceSchema(string collection, StructuralSchema schema)
    {
        lock (_gate)
        {
            _schemas[collection] = schema;
        }
    }

    /// <summary>Answers 422 Invalid, listing every violation, when <paramref name="obj"/> does not fit its collection's schema.</summary>
    private async Task<bool> RefuseInvalidAsync(HttpContext ctx, string collection, JsonObject obj)
    {
        StructuralSchema? schema;
        lock (_gate)
        {
            _schemas.TryGetValue(collection, out schema);
        }

        IReadOnlyList<string> errors = schema?.Validate(obj) ?? [];
        if (errors.Count == 0)
        {
            return false;
        }

        await WriteStatusAsync(ctx, HttpStatusCode.UnprocessableEntity, "Invalid", $"{collection} is invalid: {string.Join("; ", errors)}");
        return true;
    }

    /// <summary>RFC 7386 JSON merge patch.</summary>
    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach ((string key, JsonNode? value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject po && target[key] is JsonObject to)
            {
                MergePatch(to, po);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }

    /// <summary>
    /// Records a change and streams it to every watcher it concerns, as the API server's watch cache
    /// does: judged against both the old and the new object, a change that makes an object match a
    /// watcher's selectors reaches it as ADDED, one that makes it stop matching as DELETED (carrying
    /// the old object at the new resourceVersion), and one that matches before and after as MODIFIED.
    /// </summary>
    private void Publish(string collection, string type, JsonObject obj, JsonObject? previous = null)
    {
        StoredEvent e = new(collection, _revision, type, obj.DeepClone().AsObject(), previous?.DeepClone().AsObject());
        _history.Add(e);
        Observer?.Invoke(collection, type, obj);
        foreach (Watcher w in _watchers.Where(w => w.Collection == collection))
        {
            if (e.LineFor(w) is { } line)
            {
                w.Lines.Writer.TryWrite(line);
            }
        }
    }

    private string GoneEventLine(long from) => new JsonObject
    {
        ["type"] = "ERROR",
        ["object"] = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["status"] = "Failure",
            ["message"] = $"too old resource version: {from} ({_compactedBelow})",
            ["reason"] = "Expired",
            ["code"] = 410,
        },
    }.ToJsonString();

    private static bool Matches(JsonObject obj, string? ns, string? fieldSelector, string? labelSelector)
    {
        if (!string.IsNullOrEmpty(labelSelector))
        {
            JsonObject labels = Meta(obj)["labels"] as JsonObject ?? [];
            foreach (string clause in labelSelector.Split(',', StringSplitOptions.TrimEntries))
            {
                string? Label(string key) => (labels[key] as JsonValue)?.ToString();
                bool ok = clause switch
                {
                    _ when clause.Contains("!=", StringComparison.Ordinal) => Label(clause.Split("!=")[0]) != clause.Split("!=")[1],
                    _ when clause.Contains("==", StringComparison.Ordinal) => Label(clause.Split("==")[0]) == clause.Split("==")[1],
                    _ when clause.Contains('=', StringComparison.Ordinal) => Label(clause.Split('=')[0]) == clause.Split('=')[1],
                    _ when clause.StartsWith('!') => Label(clause[1..]) is null,
                    _ => Label(clause) is not null,
                };
                if (!ok)
                {
                    return false;
                }
            }
        }

        if (ns is not null && Meta(obj)["namespace"]?.GetValue<string>() != ns)
        {
            return false;
        }

        if (string.IsNullOrEmpty(fieldSelector))
        {
            return true;
        }

        foreach (string clause in fieldSelector.Split(','))
        {
            string[] kv = clause.Split('=', 2);
            JsonNode? node = obj;
            foreach (string part in kv[0].Split('.'))
            {
                node = node?[part];
            }

            if ((node as JsonValue)?.ToString() != kv[1])
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParsePath(string path, out string collection, out string? ns, out string? name)
    {
        collection = "";
        ns = null;
        name = null;
        string[] s = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int start = s.Length >= 2 && s[0] == "api" ? 2 : s.Length >= 3 && s[0] == "apis" ? 3 : -1;
        if (start < 0 || s.Length <= start)
        {
            return false;
        }

        string prefix = string.Join('/', s[..start]);
        string[] rest = s[start..];
        if (rest[0] == "namespaces" && rest.Length >= 3)
        {
            ns = rest[1];
            collection = $"{prefix}/{rest[2]}";
            name = rest.Length > 3 ? rest[3] : null;
        }
        else
        {
            collection = $"{prefix}/{rest[0]}";
            name = rest.Length > 1 ? rest[1] : null;
        }

        return true;
    }

    private SortedDictionary<string, JsonObject> Store(string collection)
    {
        if (!_collections.TryGetValue(collection, out SortedDictionary<string, JsonObject>? store))
        {
            store = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _collections[collection] = store;
        }

        return store;
    }

    private static JsonObject Meta(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject meta)
        {
            meta = [];
            obj["metadata"] = meta;
        }

        return meta;
    }

    private static string Key(JsonObject meta) => $"{meta["namespace"]?.GetValue<string>()}/{meta["name"]?.GetValue<string>()}";

    private static async Task WriteJsonAsync(HttpContext ctx, HttpStatusCode status, JsonObject obj)
    {
        ctx.Response.StatusCode = (int)status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(obj.ToJsonString(), Encoding.UTF8);
    }

    private static Task WriteStatusAsync(HttpContext ctx, HttpStatusCode status, string reason, string message, JsonObject? details = null)
    {
        JsonObject body = new()
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["status"] = (int)status < 300 ? "Success" : "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = (int)status,
        };
        if (details is not null)
        {
            body["details"] = details;
        }

        return WriteJsonAsync(ctx, status, body);
    }

    /// <summary>404 for one object, worded as the API server words it: the details name the object (a resource that is not served has none).</summary>
    private static Task WriteObjectNotFoundAsync(HttpContext ctx, string collection, string name)
    {
        string[] parts = collection.Split('/');
        string group = parts[0] == "api" ? "" : parts[1];
        string resource = parts[^1];
        string qualified = group.Length == 0 ? resource : $"{resource}.{group}";
        return WriteStatusAsync(ctx, HttpStatusCode.NotFound, "NotFound", $"{qualified} \"{name}\" not found",
            new JsonObject { ["name"] = name, ["group"] = group, ["kind"] = resource });
    }

    private static string NameSuffix(int n)
    {
        const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
        char[] suffix = new char[5];
        for (int i = suffix.Length - 1; i >= 0; i--, n /= Alphabet.Length)
        {
            suffix[i] = Alphabet[n % Alphabet.Length];
        }

        return new string(suffix);
    }

    private sealed record StoredEvent(string Collection, long Revision, string Type, JsonObject Object, JsonObject? Previous)
    {
        /// <summary>The watch line this change gives <paramref name="w"/>, or null when it does not concern it.</summary>
        public string? LineFor(Watcher w)
        {
            bool now = Matches(Object, w.Namespace, w.FieldSelector, w.LabelSelector);
            bool before = Previous is not null && Matches(Previous, w.Namespace, w.FieldSelector, w.LabelSelector);
            (string type, JsonObject obj) = (Type, now, before) switch
            {
                ("MODIFIED", true, false) => ("ADDED", Object),
                ("MODIFIED", false, true) => ("DELETED", AtThisRevision(Previous!)),
                (_, true, _) => (Type, Object),
                _ => (null!, null!),
            };
            return type is null ? null : new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString();
        }

        private JsonObject AtThisRevision(JsonObject old)
        {
            JsonObject copy = old.DeepClone().AsObject();
            Meta(copy)["resourceVersion"] = Revision.ToString();
            return copy;
        }
    }

    private sealed class Watcher(string collection, string? ns, string? fieldSelector, long from)
    {
        public string Collection { get; } = collection;

        public string? Namespace { get; } = ns;

        public string? FieldSelector { get; } = fieldSelector;

        public string? LabelSelector { get; init; }

        public long From { get; } = from;

        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>();

        public CancellationTokenSource Abort { get; } = new();
    }
}

/// <summary>One request the fake server received.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, string? ContentType, string Body)
{
    public string Authorization { get; init; } = "";

    /// <summary>What an API server's authorizer would check for this request; null for a path that is not a resource.</summary>
    public ApiRequestAttributes? Attributes => ApiRequestAttributes.Of(Method, Path, Query);
}

/// <summary>
/// The attributes RBAC decides on, derived from a request as the API server's request-info resolver
/// derives them: API group, resource (with "/subresource"), verb and namespace.
/// </summary>
public sealed record ApiRequestAttributes(string Group, string Version, string Resource, string Verb, string? Namespace, string? Name)
{
    /// <summary>The collection path the fake server stores the resource under, e.g. <c>api/v1/pods</c>.</summary>
    public string Collection => $"{(Group.Length == 0 ? "api" : $"apis/{Group}")}/{Version}/{Resource.Split('/')[0]}";

    public static ApiRequestAttributes? Of(string method, string path, string query)
    {
        string[] s = path.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        int start = s.Length >= 2 && s[0] == "api" ? 2 : s.Length >= 3 && s[0] == "apis" ? 3 : -1;
        if (start < 0 || s.Length <= start)
        {
            return null;
        }

        string group = s[0] == "api" ? "" : s[1];
        string version = s[start - 1];
        string[] rest = s[start..];
        string? ns = null;
        if (rest[0] == "namespaces" && rest.Length >= 3)
        {
            ns = rest[1];
            rest = rest[2..];
        }

        string resource = rest[0];
        string? name = rest.Length > 1 ? rest[1] : null;
        if (rest.Length > 2)
        {
            resource = $"{resource}/{rest[2]}";
        }

        bool watch = query.Contains("watch=true", StringComparison.Ordinal) || query.Contains("watch=1", StringComparison.Ordinal);
        string verb = method switch
        {
            "GET" when watch => "watch",
            "GET" when name is null => "list",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" when name is null => "deletecollection",
            "DELETE" => "delete",
            _ => method.ToLowerInvariant(),
        };
        return new ApiRequestAttributes(group, version, resource, verb, ns, name);
    }
}
