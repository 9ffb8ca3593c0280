using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npa.Ingest.Translation;
using Npa.Resolver.Events;
using Npa.Resolver.Model;
using Polly;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// Mirrors one kind (or one slice of it) from the API server and reports every change as a domain
/// event on a bounded channel (the writer waits when the channel is full: nothing is dropped).
/// <para>
/// Lists in pages, then watches from the list's resourceVersion with bookmarks; each line advances
/// the resourceVersion it resumes from. A 410 Gone (as HTTP status or as an ERROR event) means the
/// resourceVersion expired: the informer relists and reports objects that vanished meanwhile as
/// synthetic deletes. Other failures are retried forever through the
/// <see cref="KubernetesResilience.WatchPipelineName"/> pipeline (exponential backoff, jitter).
/// A stream silent for longer than <see cref="InformerOptions.IdleTimeout"/> is abandoned.
/// Malformed, unknown or out-of-order lines are skipped with a warning naming the line; rejected
/// objects are reported as <see cref="ObjectRejected"/> and their last accepted state is kept.
/// </para>
/// </summary>
public sealed class ResourceInformer<T> : IResourceInformer
    where T : class
{
    private readonly IWatchApi _api;
    private readonly ResourceDescriptor<T> _descriptor;
    private readonly ChannelWriter<ClusterEvent> _events;
    private readonly InformerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _pipeline;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectRef, Entry> _cache = [];
    private readonly string _name;
    private string _resourceVersion = "";
    private bool _synced;

    internal ResourceInformer(
        IWatchApi api,
        ApiResource resource,
        ResourceDescriptor<T> descriptor,
        ChannelWriter<ClusterEvent> events,
        InformerOptions? options = null,
        ILogger? logger = null,
        TimeProvider? time = null)
    {
        _api = api ?? throw new ArgumentNullException(nameof(api));
        Resource = resource ?? throw new ArgumentNullException(nameof(resource));
        _name = resource.ToString();
        _descriptor = descriptor ?? throw new ArgumentNullException(nameof(descriptor));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _options = options ?? new InformerOptions();
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _pipeline = KubernetesResilience.BuildWatchPipeline(_options, _time, _logger, resource.ToString());
        if (descriptor.Kind != resource.Kind)
        {
            throw new ArgumentException($"descriptor for {descriptor.Kind} does not fit resource {resource}", nameof(descriptor));
        }
    }

    public ApiResource Resource { get; }

    /// <summary>
    /// Decides which accepted objects are reported and held (see <see cref="IInformerFilter{T}"/>);
    /// null keeps everything.
    /// </summary>
    public IInformerFilter<T>? Filter { get; init; }

    /// <summary>Completes once the first full list has been reported (followed by <see cref="SourceSynced"/>).</summary>
    public Task Ready => _ready.Task;

    /// <summary>The resourceVersion the next watch resumes from.</summary>
    public string ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    public InformerCounters Counters { get; } = new();

    /// <summary>The accepted objects now held, by namespace/name (cluster-scoped kinds have an empty namespace).</summary>
    public IReadOnlyDictionary<ObjectRef, T> Snapshot()
    {
        lock (_gate)
        {
            return _cache.Where(kv => kv.Value.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value.Value!);
        }
    }

    /// <summary>
    /// Lists and watches until cancelled (or until the event channel is closed by its consumer);
    /// every other failure is retried.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        bool needList = true;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await _pipeline.ExecuteAsync(
                        async token =>
                        {
                            if (needList)
                            {
                                await ListAndSyncAsync(token).ConfigureAwait(false);
                                needList = false;
                            }

                            await WatchOnceAsync(token).ConfigureAwait(false);
                        },
                        cancellationToken).ConfigureAwait(false);
                }
                catch (ChannelClosedException)
                {
                    // The consumer is gone: nothing more to report to.
                    break;
                }
                catch (Exception e) when (e is WatchExpiredException || e is ApiStatusException { IsGone: true })
                {
                    Counters.Expired++;
                    KubernetesLog.WatchExpired(_logger, _name, ResourceVersion, e.Message);
                    needList = true;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped.
        }
        finally
        {
            _ready.TrySetCanceled(cancellationToken.IsCancellationRequested ? cancellationToken : new CancellationToken(true));
        }
    }

    /// <summary>
    /// Lists every object, applying each page as it arrives, then reports the objects the list no longer
    /// has as synthetic deletes and the list as <see cref="SourceSynced"/>. Only keys are kept for the
    /// vanished check, and translated items only for objects the filter dropped (a revisit may want them back).
    /// A list that fails part-way has reported the objects it saw, each as it was, but neither deletes
    /// nor the sync: nothing is concluded from objects not yet seen, and the next attempt lists again.
    /// </summary>
    private async Task ListAndSyncAsync(CancellationToken cancellationToken)
    {
        // Counted from here: a re-created object found while the pages are applied is a synthetic delete of this list too.
        int syntheticBefore = Counters.SyntheticDeletes;
        ListPass pass;
        for (int attempt = 0; ; attempt++)
        {
            pass = new ListPass();
            try
            {
                await ListPagesAsync(pass, attempt, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (ApiStatusException e) when (e.IsGone && pass.Pages > 0 && attempt == 0)
            {
                // The continue token expired between pages: start the list over, once, at once.
                KubernetesLog.WatchExpired(_logger, _name, pass.ResourceVersion, "continue token expired");
            }
        }

        Counters.Lists++;
        string listRv = pass.ResourceVersion;
        List<(ObjectRef Key, Entry Entry)> vanished;
        lock (_gate)
        {
            vanished = [.. _cache.Where(kv => !pass.Seen.Contains(kv.Key)).Select(kv => (kv.Key, kv.Value))];
        }

        foreach ((ObjectRef key, Entry entry) in vanished)
        {
            lock (_gate)
            {
                _cache.Remove(key);
            }

            Filter?.Forget(key);
            if (entry.Value is not null)
            {
                Counters.SyntheticDeletes++;
                await _events.WriteAsync(_descriptor.Deleted(entry.Value, entry.Uid, listRv, true), cancellationToken).ConfigureAwait(false);
            }
        }

        // Objects the filter dropped early in the list may be wanted now; the list still has them.
        await RevisitAsync(cancellationToken, pass.Dropped).ConfigureAwait(false);
        bool relist = _synced;
        lock (_gate)
        {
            _resourceVersion = listRv;
        }

        int syntheticDeletes = Counters.SyntheticDeletes - syntheticBefore;
        int count;
        lock (_gate)
        {
            count = _cache.Count(kv => kv.Value.Value is not null);
        }

        await _events.WriteAsync(new SourceSynced(_descriptor.Kind, listRv, count, syntheticDeletes, relist), cancellationToken).ConfigureAwait(false);
        KubernetesLog.Listed(_logger, _name, pass.Items, listRv, pass.Pages, relist, syntheticDeletes);
        _synced = true;
        _ready.TrySetResult();
    }

    /// <summary>Fetches the list page by page, applying each page's items before asking for the next.</summary>
    private async Task ListPagesAsync(ListPass pass, int attempt, CancellationToken cancellationToken)
    {
        // The first list of all may come from the watch cache; a relist (after 410) reads etcd.
        string? listFrom = !_synced && attempt == 0 && _options.FirstListFromWatchCache ? "0" : null;
        string? next = null;
        do
        {
            using ListPage page = await _api.ListAsync(Resource, _options.PageSize, next, listFrom, cancellationToken).ConfigureAwait(false);
            pass.Pages++;
            if (pass.Pages == 1)
            {
                // The first page's resourceVersion is the snapshot every later page belongs to.
                pass.ResourceVersion = page.ResourceVersion;
            }

            foreach (JsonObject item in page.Items)
            {
                pass.Items++;
                ObjectRef? key = Key(item);
                if (key is null)
                {
                    Skip(pass.Items, "list item has no metadata.name", item.ToJsonString());
                    continue;
                }

                pass.Seen.Add(key.Value);
                Entry? applied = await ApplyAsync(key.Value, item, $"{_name} list item {pass.Items}", force: false, cancellationToken).ConfigureAwait(false);
                if (Filter is not null && IsDropped(key.Value) && (applied ?? Translated(item)) is Entry dropped)
                {
                    pass.Dropped[key.Value] = dropped;
                }
            }

            next = page.Continue;
        }
        while (next is not null);
    }

    private bool IsDropped(ObjectRef key)
    {
        lock (_gate)
        {
            return _cache.TryGetValue(key, out Entry? entry) && entry.Value is null;
        }
    }

    /// <summary>An object's translation, reporting nothing (for a dropped object a relist found unchanged); null when rejected.</summary>
    private Entry? Translated(JsonObject obj)
    {
        JsonObject? metadata = obj["metadata"] as JsonObject;
        try
        {
            return _descriptor.Translate(obj, $"{_name} list").Value is T value
                ? new Entry(value, (metadata?["uid"] as JsonValue)?.ToString() ?? "", (metadata?["resourceVersion"] as JsonValue)?.ToString() ?? "")
                : null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    private async Task WatchOnceAsync(CancellationToken cancellationToken)
    {
        string from = ResourceVersion;
        int seconds = (int)Math.Max(1, _options.WatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
        KubernetesLog.WatchStarted(_logger, _name, from);
        using CancellationTokenSource watchdog = new(Timeout.InfiniteTimeSpan, _time);
        using CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watchdog.Token);
        watchdog.CancelAfter(_options.IdleTimeout);
        WatchStream reader;
        try
        {
            reader = await _api.WatchAsync(Resource, from, seconds, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Counters.IdleTimeouts++;
            throw new WatchEndedEarlyException($"{_name}: no response to the watch within {_options.IdleTimeout}");
        }

        Counters.Watches++;
        int lines = 0;
        string reason = "closed by server";
        using (reader)
        {
            while (true)
            {
                string? line;
                try
                {
                    line = await reader.ReadLineAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && watchdog.IsCancellationRequested)
                {
                    Counters.IdleTimeouts++;
                    KubernetesLog.WatchIdle(_logger, _name, _options.IdleTimeout);
                    reason = "idle";
                    break;
                }
                catch (Exception e) when (e is IOException or HttpRequestException && lines > 0)
                {
                    reason = $"connection lost: {e.Message}";
                    break;
                }

                if (line is null)
                {
                    break;
                }

                lines++;
                watchdog.CancelAfter(_options.IdleTimeout);
                if (line.Length == 0)
                {
                    continue;
                }

                await HandleLineAsync(line, lines, cancellationToken).ConfigureAwait(false);
            }
        }

        KubernetesLog.WatchEnded(_logger, _name, lines, reason, ResourceVersion);
        if (lines == 0)
        {
            throw new WatchEndedEarlyException($"{Resource}: watch from resourceVersion {from} ended without a line ({reason})");
        }
    }

    private async Task HandleLineAsync(string line, int lineNumber, CancellationToken cancellationToken)
    {
        JsonObject? envelope;
        try
        {
            envelope = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException e)
        {
            Skip(lineNumber, $"not JSON ({e.Message})", line);
            return;
        }

        string? type = (envelope?["type"] as JsonValue)?.TryGetValue(out string? t) == true ? t : null;
        JsonObject? obj = envelope?["object"] as JsonObject;
        if (type is null || obj is null)
        {
            Skip(lineNumber, "not a watch event (needs type and object)", line);
            return;
        }

        if (type == "ERROR")
        {
            int code = (obj["code"] as JsonValue)?.TryGetValue(out int c) == true ? c : 0;
            string reason = (obj["reason"] as JsonValue)?.ToString() ?? "";
            string message = (obj["message"] as JsonValue)?.ToString() ?? "";
            KubernetesLog.WatchErrorEvent(_logger, _name, code, reason, message);
            if (code == 410 || reason is "Expired" or "Gone")
            {
                throw new WatchExpiredException($"{code} {reason}: {message}");
            }

            throw new WatchEndedEarlyException($"{Resource}: watch error {code} {reason}: {message}");
        }

        string? rv = (obj["metadata"]?["resourceVersion"] as JsonValue)?.TryGetValue(out string? r) == true ? r : null;
        if (type == "BOOKMARK")
        {
            if (rv is not null && !IsStale(rv, allowEqual: true))
            {
                Advance(rv);
                Counters.Bookmarks++;
            }

            return;
        }

        if (type is not ("ADDED" or "MODIFIED" or "DELETED"))
        {
            Skip(lineNumber, $"unknown event type '{type}'", line);
            return;
        }

        ObjectRef? key = Key(obj);
        if (key is null || string.IsNullOrEmpty(rv))
        {
            Skip(lineNumber, "object has no metadata.name or metadata.resourceVersion", line);
            return;
        }

        if (IsStale(rv))
        {
            Skip(lineNumber, $"out of order (resourceVersion {rv} is not after {ResourceVersion})", line);
            return;
        }

        try
        {
            if (type == "DELETED")
            {
                Entry? old;
                lock (_gate)
                {
                    _cache.Remove(key.Value, out old);
                }

                Filter?.Forget(key.Value);
                if (old?.Value is not null)
                {
                    await _events.WriteAsync(_descriptor.Deleted(old.Value, old.Uid, rv, false), cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                await ApplyAsync(key.Value, obj, $"{_name} watch line {lineNumber}", force: false, cancellationToken).ConfigureAwait(false);
            }

            await RevisitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Advance(rv);
            Counters.Events++;
        }
    }

    /// <summary>Translates an object seen in a list or watch and reports what changed.</summary>
    /// <returns>The object's accepted value, uid and resourceVersion; null when it was unchanged or rejected.</returns>
    private async Task<Entry?> ApplyAsync(ObjectRef key, JsonObject obj, string source, bool force, CancellationToken cancellationToken)
    {
        JsonObject? metadata = obj["metadata"] as JsonObject;
        string rv = (metadata?["resourceVersion"] as JsonValue)?.ToString() ?? "";
        string uid = (metadata?["uid"] as JsonValue)?.ToString() ?? "";
        Entry? old;
        lock (_gate)
        {
            _cache.TryGetValue(key, out old);
        }

        if (!force && old is not null && rv.Length > 0 && old.ResourceVersion == rv)
        {
            return null; // Unchanged since we last saw it (a relist of an object we hold).
        }

        TranslationResult<T> result;
        try
        {
            result = _descriptor.Translate(obj, source);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A translator bug must not stall the watch on this line forever: reject the object.
            result = new TranslationResult<T>(null, [Diagnostic.Error(_descriptor.Kind.ToString(), key.Namespace, key.Name, "", $"could not be translated ({source}): {e.Message}")]);
        }

        if (result.Value is null)
        {
            Counters.Rejected++;
            if (_logger.IsEnabled(LogLevel.Warning))
            {
                foreach (Diagnostic d in result.Diagnostics)
                {
                    KubernetesLog.ObjectRejected(_logger, _descriptor.Kind, key, d);
                }
            }

            await _events.WriteAsync(new ObjectRejected(_descriptor.Kind, key, result.Diagnostics, rv), cancellationToken).ConfigureAwait(false);
            return null;
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            foreach (Diagnostic d in result.Diagnostics)
            {
                KubernetesLog.ObjectWarning(_logger, _descriptor.Kind, key, d);
            }
        }

        Entry accepted = new(result.Value, uid, rv);
        await ApplyAcceptedAsync(key, accepted, old, cancellationToken).ConfigureAwait(false);
        return accepted;
    }

    /// <summary>Holds and reports an accepted value, replacing <paramref name="old"/> (what was held before, if anything).</summary>
    private async Task ApplyAcceptedAsync(ObjectRef key, Entry accepted, Entry? old, CancellationToken cancellationToken)
    {
        T value = accepted.Value!;
        string uid = accepted.Uid;
        string rv = accepted.ResourceVersion;
        if (old?.Value is not null && old.Uid.Length > 0 && uid.Length > 0 && old.Uid != uid)
        {
            // Same name, new object (deleted and re-created while we were not watching): the old one is gone.
            Counters.SyntheticDeletes++;
            lock (_gate)
            {
                _cache.Remove(key);
            }

            Filter?.Forget(key);
            await _events.WriteAsync(_descriptor.Deleted(old.Value, old.Uid, rv, true), cancellationToken).ConfigureAwait(false);
            old = null;
        }

        bool keep = Filter?.Keep(key, value) ?? true;
        lock (_gate)
        {
            _cache[key] = new Entry(keep ? value : null, uid, rv);
        }

        if (keep)
        {
            await _events.WriteAsync(_descriptor.Upserted(value, rv), cancellationToken).ConfigureAwait(false);
        }
        else if (old?.Value is not null)
        {
            await _events.WriteAsync(_descriptor.Deleted(old.Value, old.Uid, rv, false), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Re-evaluates objects whose filter verdict may have changed: held ones from memory, dropped
    /// ones fetched again from the server (only their identity was kept).
    /// </summary>
    private async Task RevisitAsync(CancellationToken cancellationToken, IReadOnlyDictionary<ObjectRef, Entry>? listed = null)
    {
        if (Filter is null)
        {
            return;
        }

        for (IReadOnlyList<ObjectRef> keys = Filter.TakeRevisits(); keys.Count > 0; keys = Filter.TakeRevisits())
        {
            foreach (ObjectRef key in keys)
            {
                Entry? entry;
                lock (_gate)
                {
                    _cache.TryGetValue(key, out entry);
                }

                if (entry is null)
                {
                    continue;
                }

                if (entry.Value is not null)
                {
                    if (!Filter.Keep(key, entry.Value))
                    {
                        lock (_gate)
                        {
                            _cache[key] = entry with { Value = null };
                        }

                        await _events.WriteAsync(_descriptor.Deleted(entry.Value, entry.Uid, entry.ResourceVersion, false), cancellationToken).ConfigureAwait(false);
                    }

                    continue;
                }

                if (listed is not null && listed.TryGetValue(key, out Entry? translated) && translated.ResourceVersion == entry.ResourceVersion)
                {
                    // Dropped earlier in this list: its translation was kept, so it need not be fetched again.
                    await ApplyAcceptedAsync(key, translated, entry, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                Counters.Refetches++;
                JsonObject? fresh = await _api.GetAsync(Resource, Resource.Namespaced ? key.Namespace : null, key.Name, cancellationToken).ConfigureAwait(false);
                if (fresh is not null)
                {
                    await ApplyAsync(key, fresh, $"{_name} refetch of {key}", force: true, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private ObjectRef? Key(JsonObject obj)
    {
        JsonObject? metadata = obj["metadata"] as JsonObject;
        string? name = (metadata?["name"] as JsonValue)?.TryGetValue(out string? n) == true ? n : null;
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        string ns = Resource.Namespaced
            ? ((metadata?["namespace"] as JsonValue)?.TryGetValue(out string? s) == true && !string.IsNullOrEmpty(s) ? s : "default")
            : "";
        return new ObjectRef(ns, name);
    }

    /// <summary>
    /// Watch events of one resource arrive in increasing resourceVersion; one at or below the version
    /// already reached is a replay or out of order (a bookmark may repeat the version reached).
    /// Versions are opaque, so only numeric ones are compared.
    /// </summary>
    private bool IsStale(string rv, bool allowEqual = false)
    {
        string current = ResourceVersion;
        return ulong.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out ulong incoming) &&
            ulong.TryParse(current, NumberStyles.None, CultureInfo.InvariantCulture, out ulong reached) &&
            (allowEqual ? incoming < reached : incoming <= reached);
    }

    private void Advance(string rv)
    {
        lock (_gate)
        {
            _resourceVersion = rv;
        }
    }

    private void Skip(int lineNumber, string reason, string line)
    {
        Counters.SkippedLines++;
        if (_logger.IsEnabled(LogLevel.Warning))
        {
            KubernetesLog.LineSkipped(_logger, _name, lineNumber, reason, Truncate(line));
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    /// <summary>One attempt at a full list: the snapshot's resourceVersion, the keys seen, and the items the filter dropped.</summary>
    private sealed class ListPass
    {
        public string ResourceVersion { get; set; } = "";

        public int Pages { get; set; }

        public int Items { get; set; }

        public HashSet<ObjectRef> Seen { get; } = [];

        /// <summary>Translated, not raw: the raw tree of a large object costs many times its translation.</summary>
        public Dictionary<ObjectRef, Entry> Dropped { get; } = [];
    }

    /// <summary>What the informer holds per object: the accepted value (null when filtered out), uid and resourceVersion.</summary>
    private sealed record Entry(T? Value, string Uid, string ResourceVersion);
}
