using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.Ingest.Translation;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Polly;

namespace Npa.Ingest.Kubernetes.Controller;

/// <summary>How one reconcile of a policy's PolicyEndpoints went.</summary>
public sealed record ReconcileResult(int Created, int Patched, int Deleted, int Unchanged)
{
    public bool Changed => Created + Patched + Deleted > 0;
}

/// <summary>
/// The controller's writer: makes the PolicyEndpoint objects of one NetworkPolicy on the API server
/// equal the desired spec, with as few writes as possible.
/// <para>
/// The desired spec is chunked against the objects that exist with <see cref="PolicyEndpointChunks.Plan"/>
/// (an entry stays in the object that holds it), so one added pod patches one object. An object whose
/// spec and managed labels already match is left alone; a differing one gets a JSON merge patch of just
/// the differing fields; new chunks are created (generateName <c>&lt;policy&gt;-</c>, owned by the policy
/// so the garbage collector removes them with it); objects no chunk needs are deleted. Creates and
/// patches go before deletes. The managed labels are the parent-policy label and, when the nodes of the
/// selected pods are given, the node-scoped labels of <see cref="PolicyEndpointNodeLabels"/>.
/// </para>
/// <para>
/// What exists is known from the controller's PolicyEndpoint informer (<see cref="Observe"/>,
/// <see cref="Forget"/>, then <see cref="MarkSeeded"/> after its first list) and from the writer's own
/// responses, whichever is newer by resourceVersion. Without an informer (tests, tools) a namespace is
/// listed the first time it is written. A conflict or a vanished object drops what is known of the
/// policy's objects and the reconcile runs again once.
/// </para>
/// </summary>
public sealed class PolicyEndpointWriter
{
    public const string FieldManager = "npa-controller";

    private readonly IKubernetes _client;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private ResiliencePipeline? _pipeline;
    private readonly int _chunkSize;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly Lock _knownGate = new();
    private readonly Dictionary<PolicyReference, Dictionary<string, Known>> _known = [];
    private readonly Dictionary<ObjectRef, PolicyReference> _policyOf = [];
    private readonly HashSet<ObjectRef> _deletedByUs = [];
    private readonly HashSet<string> _listedNamespaces = new(StringComparer.Ordinal);
    private bool _seeded;

    public PolicyEndpointWriter(IKubernetes client, int chunkSize = PolicyEndpointBuilder.DefaultChunkSize, ILogger? logger = null, TimeProvider? time = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        _chunkSize = chunkSize;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// An object as the informer reports it. Returns true when it differs from what the writer knew (a new
    /// object, or content or managed labels changed by someone else): its policy needs a reconcile. The
    /// echo of the writer's own write, or a report older than what is known, returns false.
    /// </summary>
    public bool Observe(PolicyEndpointSpec endpoint, string resourceVersion)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ObjectRef key = new(endpoint.Namespace, endpoint.Name);
        Known incoming = new(endpoint.Name, endpoint, Version(resourceVersion));
        lock (_knownGate)
        {
            if (_deletedByUs.Contains(key))
            {
                return false;
            }

            Known? current = Find(key);
            if (current is not null && incoming.Version != 0 && current.Version >= incoming.Version)
            {
                return false;
            }

            bool differs = current is null || current.RawSpec is not null || !current.Spec.SameContent(endpoint) || !SameManagedLabels(current.Spec.Labels, endpoint.Labels);
            Store(incoming);
            return differs;
        }
    }

    /// <summary>An object the informer reports deleted; returns its policy when the writer still held it (someone else deleted it).</summary>
    public PolicyReference? Forget(ObjectRef endpoint)
    {
        lock (_knownGate)
        {
            return _deletedByUs.Remove(endpoint) ? null : Unstore(endpoint);
        }
    }

    /// <summary>The informer has listed every PolicyEndpoint: from now on what is known is complete, and no namespace is listed here.</summary>
    public void MarkSeeded()
    {
        lock (_knownGate)
        {
            _seeded = true;
        }
    }

    /// <summary>Policies that have PolicyEndpoints on the API server as far as the writer knows.</summary>
    public IReadOnlyList<PolicyReference> KnownPolicies()
    {
        lock (_knownGate)
        {
            return [.. _known.Keys];
        }
    }

    /// <summary>
    /// First delay before a request refused for want of RBAC or of the CRD (403, or 404 for the
    /// resource) is tried again; it doubles up to <see cref="MaxAccessRetryDelay"/> and the request is
    /// retried until it succeeds or the reconcile is cancelled, with an error logged per attempt.
    /// </summary>
    public TimeSpan AccessRetryDelay { get; init; } = KubernetesResilience.AccessRetryDelay;

    public TimeSpan MaxAccessRetryDelay { get; init; } = KubernetesResilience.MaxAccessRetryDelay;

    private ResiliencePipeline Pipeline => LazyInitializer.EnsureInitialized(ref _pipeline,
        () => KubernetesResilience.BuildWritePipeline(_time, _logger, accessRetryDelay: AccessRetryDelay, maxAccessRetryDelay: MaxAccessRetryDelay));

    /// <summary>
    /// One request through the write pipeline; a refusal that only an operator can fix (missing RBAC
    /// verb, CRD not installed) becomes an <see cref="ApiAccessException"/>, which the pipeline retries
    /// with a long backoff.
    /// </summary>
    private ValueTask<object> CallAsync(string verb, string ns, Func<CancellationToken, Task<object>> call, CancellationToken cancellationToken) =>
        Pipeline.ExecuteAsync(
            async token =>
            {
                try
                {
                    return await call(token).ConfigureAwait(false);
                }
                catch (HttpOperationException e) when (e.Response is not null &&
                    ApiAccessProblem.Classify(e.Response.StatusCode, e.Response.Content, verb, ApiResource.PolicyEndpointGroup,
                        ApiResource.PolicyEndpointVersion, ApiResource.PolicyEndpointPlural, ns) is { } problem)
                {
                    throw new ApiAccessException(problem, e);
                }
            },
            cancellationToken);

    /// <summary>
    /// Makes the PolicyEndpoints of <paramref name="policy"/> carry <paramref name="desired"/> (one unchunked
    /// spec; null deletes them all); <paramref name="policyUid"/> is the NetworkPolicy's uid for the
    /// ownerReference; <paramref name="nodes"/>, when given, are the nodes of the pods it selects (node-scoped
    /// labels), else the objects carry no node-scoped labels and every agent reads them.
    /// </summary>
    public async Task<ReconcileResult> ReconcileAsync(
        PolicyReference policy, string policyUid, PolicyEndpointSpec? desired, IReadOnlyCollection<string>? nodes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (desired is not null && (desired.PolicyRef != policy || desired.Namespace != policy.Namespace))
        {
            throw new ArgumentException($"the desired PolicyEndpoint must belong to {policy.Namespace}/{policy.Name}", nameof(desired));
        }

        IReadOnlyDictionary<string, string> labels = ManagedLabels(policy, nodes);

        // Policies reconcile concurrently; one policy's writes are serial.
        SemaphoreSlim gate = Gate($"{policy.Namespace}/{policy.Name}");
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            try
            {
                return await ReconcileOnceAsync(policy, policyUid, desired, labels, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                // Someone else changed or removed an object: forget what we knew of this policy and start over once.
                await ForgetPolicyAsync(policy, cancellationToken).ConfigureAwait(false);
                return await ReconcileOnceAsync(policy, policyUid, desired, labels, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// As above from chunks (e.g. <see cref="PolicyEndpointBuilder.Build"/>): they are joined into one spec
    /// and chunked again against what exists; an empty list deletes the policy's PolicyEndpoints.
    /// </summary>
    public Task<ReconcileResult> ReconcileAsync(PolicyReference policy, string policyUid, IReadOnlyList<PolicyEndpointSpec> desired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desired);
        if (desired.Any(d => d.PolicyRef != policy || d.Namespace != policy.Namespace))
        {
            throw new ArgumentException($"every desired PolicyEndpoint must belong to {policy.Namespace}/{policy.Name}", nameof(desired));
        }

        PolicyEndpointSpec? whole = desired.Count == 0 ? null : desired[0] with
        {
            PodSelectorEndpoints = [.. desired.SelectMany(d => d.PodSelectorEndpoints)],
            Ingress = [.. desired.SelectMany(d => d.Ingress)],
            Egress = [.. desired.SelectMany(d => d.Egress)],
        };
        return ReconcileAsync(policy, policyUid, whole, null, cancellationToken);
    }

    /// <summary>
    /// As above with the owner's uid taken from the desired specs (<see cref="PolicyEndpointSpec.OwnerUid"/>,
    /// which the resolver's builder fills in); an empty list deletes the policy's PolicyEndpoints.
    /// </summary>
    public Task<ReconcileResult> ReconcileAsync(PolicyReference policy, IReadOnlyList<PolicyEndpointSpec> desired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desired);
        return ReconcileAsync(policy, desired.Select(d => d.OwnerUid).FirstOrDefault(u => u.Length > 0) ?? "", desired, cancellationToken);
    }

    private SemaphoreSlim Gate(string key) => _gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));

    /// <summary>Deletes every PolicyEndpoint of a policy that is gone (the ownerReference does the same, later).</summary>
    public Task<ReconcileResult> DeleteAllAsync(PolicyReference policy, CancellationToken cancellationToken) =>
        ReconcileAsync(policy, "", null, null, cancellationToken);

    /// <summary>
    /// Deletes PolicyEndpoints in <paramref name="namespaces"/> whose policy no longer exists (e.g.
    /// deleted while no controller ran and before garbage collection). Returns how many went.
    /// </summary>
    public async Task<int> RemoveOrphansAsync(IEnumerable<string> namespaces, Func<PolicyReference, bool> policyExists, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        ArgumentNullException.ThrowIfNull(policyExists);
        int deleted = 0;
        foreach (string ns in namespaces)
        {
            await EnsureListedAsync(ns, cancellationToken).ConfigureAwait(false);

            foreach (PolicyReference orphan in KnownPolicies().Where(p => p.Namespace == ns && !policyExists(p)))
            {
                deleted += (await DeleteAllAsync(orphan, cancellationToken).ConfigureAwait(false)).Deleted;
            }
        }

        return deleted;
    }

    private async Task<ReconcileResult> ReconcileOnceAsync(
        PolicyReference policy, string policyUid, PolicyEndpointSpec? desired, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        await EnsureListedAsync(policy.Namespace, cancellationToken).ConfigureAwait(false);
        Known[] existing;
        lock (_knownGate)
        {
            existing = _known.TryGetValue(policy, out Dictionary<string, Known>? objects) ? [.. objects.Values] : [];
        }

        IReadOnlyList<PolicyEndpointSpec> plan = desired is null ? [] : PolicyEndpointChunks.Plan(desired, [.. existing.Select(e => e.Spec)], _chunkSize);
        Dictionary<string, Known> byName = existing.ToDictionary(e => e.Name, StringComparer.Ordinal);
        int created = 0, patched = 0, deleted = 0, unchanged = 0;

        // 1. Creates and patches, so no pod loses a rule while its entries move between objects.
        foreach (PolicyEndpointSpec chunk in plan)
        {
            if (chunk.Name.Length > 0 && byName.Remove(chunk.Name, out Known? current))
            {
                JsonObject? specPatch = current.RawSpec is null && current.Spec.SameContent(chunk)
                    ? null
                    : JsonMergePatch.Create(current.RawSpec ?? PolicyEndpointJson.Spec(current.Spec), PolicyEndpointJson.Spec(chunk));
                JsonObject? labelPatch = LabelPatch(current.Spec.Labels, labels);
                if (specPatch is null && labelPatch is null)
                {
                    unchanged++;
                    continue;
                }

                JsonObject patch = [];
                if (specPatch is not null)
                {
                    patch["spec"] = specPatch;
                }

                if (labelPatch is not null)
                {
                    patch["metadata"] = new JsonObject { ["labels"] = labelPatch };
                }

                // A CRD serves JSON merge patch (and JSON patch, apply), never strategic merge patch.
                object response = await CallAsync(
                    "patch",
                    policy.Namespace,
                    token => _client.CustomObjects.PatchNamespacedCustomObjectAsync(
                        new V1Patch(patch, V1Patch.PatchType.MergePatch),
                        ApiResource.PolicyEndpointGroup, ApiResource.PolicyEndpointVersion, policy.Namespace, ApiResource.PolicyEndpointPlural, current.Name,
                        fieldManager: FieldManager, cancellationToken: token),
                    cancellationToken).ConfigureAwait(false);
                Remember(response, chunk, Merged(current.Spec.Labels, labels));
                patched++;
            }
            else
            {
                JsonObject body = PolicyEndpointJson.NewObject(chunk with { Name = "" }, policyUid, labels);
                object response = await CallAsync(
                    "create",
                    policy.Namespace,
                    token => _client.CustomObjects.CreateNamespacedCustomObjectAsync(
                        body, ApiResource.PolicyEndpointGroup, ApiResource.PolicyEndpointVersion, policy.Namespace, ApiResource.PolicyEndpointPlural,
                        fieldManager: FieldManager, cancellationToken: token),
                    cancellationToken).ConfigureAwait(false);
                if (!Remember(response, chunk, labels))
                {
                    throw new JsonException("create returned no PolicyEndpoint");
                }

                created++;
            }
        }

        // 2. Objects no chunk needs any more.
        foreach (Known extra in byName.Values)
        {
            try
            {
                await CallAsync(
                    "delete",
                    policy.Namespace,
                    token => _client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                        ApiResource.PolicyEndpointGroup, ApiResource.PolicyEndpointVersion, policy.Namespace, ApiResource.PolicyEndpointPlural, extra.Name,
                        cancellationToken: token),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                // Already gone (garbage collected with its policy): that is what we wanted.
            }

            RememberDeleted(new ObjectRef(policy.Namespace, extra.Name));
            deleted++;
        }

        ReconcileResult outcome = new(created, patched, deleted, unchanged);
        if (outcome.Changed)
        {
            KubernetesLog.PolicyEndpointsReconciled(_logger, policy.Namespace, policy.Name, created, patched, deleted, unchanged);
        }

        return outcome;
    }

    /// <summary>The labels the controller owns on a policy's objects: the parent-policy label, and the node-scoped ones when nodes are given.</summary>
    private static IReadOnlyDictionary<string, string> ManagedLabels(PolicyReference policy, IReadOnlyCollection<string>? nodes)
    {
        SortedDictionary<string, string> labels = nodes is null ? new(StringComparer.Ordinal) : PolicyEndpointNodeLabels.For(nodes);
        if (PolicyEndpointJson.IsLabelValue(policy.Name))
        {
            labels[PolicyEndpointJson.ParentPolicyLabel] = policy.Name;
        }

        return labels;
    }

    private static bool IsManaged(string key) =>
        key == PolicyEndpointNodeLabels.Marker || key == PolicyEndpointJson.ParentPolicyLabel || key.StartsWith(PolicyEndpointNodeLabels.NodePrefix, StringComparison.Ordinal);

    private static bool SameManagedLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Where(kv => IsManaged(kv.Key)).Count() == b.Where(kv => IsManaged(kv.Key)).Count() &&
        a.Where(kv => IsManaged(kv.Key)).All(kv => b.TryGetValue(kv.Key, out string? v) && v == kv.Value);

    /// <summary>The merge patch of <c>metadata.labels</c> that makes the managed labels equal <paramref name="wanted"/>; null when they do.</summary>
    private static JsonObject? LabelPatch(IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string> wanted)
    {
        JsonObject patch = [];
        foreach ((string key, string value) in wanted)
        {
            if (!current.TryGetValue(key, out string? now) || now != value)
            {
                patch[key] = value;
            }
        }

        foreach (string key in current.Keys.Where(k => IsManaged(k) && !wanted.ContainsKey(k)))
        {
            patch[key] = null;
        }

        return patch.Count == 0 ? null : patch;
    }

    /// <summary>Without an informer, lists a namespace's PolicyEndpoints the first time it is written.</summary>
    private async Task EnsureListedAsync(string ns, CancellationToken cancellationToken)
    {
        lock (_knownGate)
        {
            if (_seeded || _listedNamespaces.Contains(ns))
            {
                return;
            }
        }

        // One list per namespace even when several of its policies reconcile at once.
        SemaphoreSlim gate = Gate("list:" + ns);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_knownGate)
            {
                if (_listedNamespaces.Contains(ns))
                {
                    return;
                }
            }

            await ListNamespaceAsync(ns, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task ListNamespaceAsync(string ns, CancellationToken cancellationToken)
    {
        List<Known> listed = await ListAsync(ns, cancellationToken).ConfigureAwait(false);
        lock (_knownGate)
        {
            foreach (Known k in listed)
            {
                Store(k);
            }

            _listedNamespaces.Add(ns);
        }
    }

    /// <summary>Forgets a policy's objects after a conflict; without an informer its namespace is listed again.</summary>
    private Task ForgetPolicyAsync(PolicyReference policy, CancellationToken cancellationToken)
    {
        lock (_knownGate)
        {
            if (_known.Remove(policy, out Dictionary<string, Known>? objects))
            {
                foreach (string name in objects.Keys)
                {
                    _policyOf.Remove(new ObjectRef(policy.Namespace, name));
                }
            }

            _listedNamespaces.Remove(policy.Namespace);
            if (!_seeded)
            {
                return Task.CompletedTask;
            }
        }

        // With an informer, re-read the policy's objects from the server now rather than wait for the watch.
        return RelistPolicyAsync(policy, cancellationToken);
    }

    private async Task RelistPolicyAsync(PolicyReference policy, CancellationToken cancellationToken)
    {
        List<Known> listed = await ListAsync(policy.Namespace, cancellationToken).ConfigureAwait(false);
        lock (_knownGate)
        {
            foreach (Known k in listed.Where(k => k.Spec.PolicyRef == policy))
            {
                Store(k);
            }
        }
    }

    /// <summary>Every PolicyEndpoint of a namespace as the server holds it now.</summary>
    private async Task<List<Known>> ListAsync(string ns, CancellationToken cancellationToken)
    {
        object response = await CallAsync(
            "list",
            ns,
            token => _client.CustomObjects.ListNamespacedCustomObjectAsync(
                ApiResource.PolicyEndpointGroup, ApiResource.PolicyEndpointVersion, ns, ApiResource.PolicyEndpointPlural,
                cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        List<Known> listed = [];
        if (ToNode(response)?["items"] is JsonArray items)
        {
            foreach (JsonObject item in items.OfType<JsonObject>())
            {
                if (Read(item) is Known k)
                {
                    listed.Add(k);
                }
            }
        }

        return listed;
    }

    /// <summary>
    /// Records the object a write returned: its name and resourceVersion from the response, its spec and
    /// labels as written (the response is not parsed whole: a chunk is up to 200 entries, and this runs for
    /// every write). False when the response names no object.
    /// </summary>
    private bool Remember(object? response, PolicyEndpointSpec written, IReadOnlyDictionary<string, string> labels)
    {
        (string? name, string? rv) = NameAndVersion(response);
        if (name is null)
        {
            return false;
        }

        Known known = new(name, written with { Name = name, Labels = labels }, Version(rv));

        lock (_knownGate)
        {
            Known? current = Find(new ObjectRef(known.Spec.Namespace, known.Name));
            if (current is null || known.Version == 0 || current.Version < known.Version)
            {
                Store(known);
            }
        }

        return true;
    }

    private void RememberDeleted(ObjectRef endpoint)
    {
        lock (_knownGate)
        {
            Unstore(endpoint);
            if (_seeded)
            {
                // The informer's DELETED (or an older report) may still arrive: it must not bring the object back.
                _deletedByUs.Add(endpoint);
            }
        }
    }

    private Known? Find(ObjectRef endpoint) =>
        _policyOf.TryGetValue(endpoint, out PolicyReference? policy) && _known.TryGetValue(policy, out Dictionary<string, Known>? objects) &&
        objects.TryGetValue(endpoint.Name, out Known? known) ? known : null;

    private void Store(Known known)
    {
        ObjectRef key = new(known.Spec.Namespace, known.Name);
        if (_policyOf.TryGetValue(key, out PolicyReference? before) && before != known.Spec.PolicyRef)
        {
            Unstore(key);
        }

        _policyOf[key] = known.Spec.PolicyRef;
        if (!_known.TryGetValue(known.Spec.PolicyRef, out Dictionary<string, Known>? objects))
        {
            objects = new(StringComparer.Ordinal);
            _known[known.Spec.PolicyRef] = objects;
        }

        objects[known.Name] = known;
    }

    /// <summary>Forgets one object (the caller holds the lock); returns the policy it belonged to, or null when it was not known.</summary>
    private PolicyReference? Unstore(ObjectRef endpoint)
    {
        if (!_policyOf.Remove(endpoint, out PolicyReference? policy))
        {
            return null;
        }

        if (_known.TryGetValue(policy, out Dictionary<string, Known>? objects))
        {
            objects.Remove(endpoint.Name);
            if (objects.Count == 0)
            {
                _known.Remove(policy);
            }
        }

        return policy;
    }

    private static ulong Version(string? resourceVersion) =>
        ulong.TryParse(resourceVersion, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong v) ? v : 0;

    /// <summary>
    /// An object as the writer compares it: our translation of it. An object the translator rejects keeps
    /// only its name and policy, with no entries, so it differs from every desired chunk and is rewritten.
    /// </summary>
    private static Known? Read(JsonObject obj)
    {
        string? name = (obj["metadata"]?["name"] as JsonValue)?.ToString();
        string? ns = (obj["metadata"]?["namespace"] as JsonValue)?.ToString();
        JsonObject? rawSpec = obj["spec"] as JsonObject;
        string? refName = (rawSpec?["policyRef"]?["name"] as JsonValue)?.ToString();
        string? refNs = (rawSpec?["policyRef"]?["namespace"] as JsonValue)?.ToString();
        if (name is null || refName is null || refNs is null)
        {
            return null;
        }

        string rv = (obj["metadata"]?["resourceVersion"] as JsonValue)?.ToString() ?? "";
        TranslationResult<PolicyEndpointSpec> parsed = PolicyEndpointTranslator.Translate(obj, "api");
        return parsed.Value is not null
            ? new Known(name, parsed.Value, Version(rv))
            : new Known(name, new PolicyEndpointSpec(ns ?? refNs, name, "", new PolicyReference(refName, refNs), null, [], [], [], []), Version(rv), rawSpec!.DeepClone().AsObject());
    }

    /// <summary>The labels an object carries after a merge patch of the managed ones: its others kept.</summary>
    private static Dictionary<string, string> Merged(IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string> managed)
    {
        Dictionary<string, string> labels = new(StringComparer.Ordinal);
        foreach ((string key, string value) in current)
        {
            if (!IsManaged(key))
            {
                labels[key] = value;
            }
        }

        foreach ((string key, string value) in managed)
        {
            labels[key] = value;
        }

        return labels;
    }

    private static (string? Name, string? ResourceVersion) NameAndVersion(object? response)
    {
        if (response is JsonElement { ValueKind: JsonValueKind.Object } element && element.TryGetProperty("metadata", out JsonElement metadata) &&
            metadata.ValueKind == JsonValueKind.Object)
        {
            string? name = metadata.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            string? rv = metadata.TryGetProperty("resourceVersion", out JsonElement r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            return (name, rv);
        }

        JsonNode? node = ToNode(response);
        return ((node?["metadata"]?["name"] as JsonValue)?.ToString(), (node?["metadata"]?["resourceVersion"] as JsonValue)?.ToString());
    }

    private static JsonNode? ToNode(object? response) => response switch
    {
        null => null,
        JsonNode node => node,
        JsonElement element => JsonNode.Parse(element.GetRawText()),
        _ => JsonSerializer.SerializeToNode(response),
    };

    /// <summary>One object as known: its name, translated spec (with labels) and resourceVersion (0 when not numeric).</summary>
    /// <remarks><see cref="RawSpec"/> is kept only for an object our translator rejected (it is rewritten from that).</remarks>
    private sealed record Known(string Name, PolicyEndpointSpec Spec, ulong Version, JsonObject? RawSpec = null);
}
