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
using Polly;

namespace Npa.Ingest.Kubernetes.Controller;

/// <summary>How one reconcile of a policy's PolicyEndpoints went.</summary>
public sealed record ReconcileResult(int Created, int Patched, int Deleted, int Unchanged)
{
    public bool Changed => Created + Patched + Deleted > 0;
}

/// <summary>
/// The controller's writer: makes the PolicyEndpoint objects of one NetworkPolicy on the API server
/// equal the desired list, with as few writes as possible. Desired specs are chunked; a chunk equal
/// to an existing object is left alone, a differing one is paired with a leftover object and
/// changed with a JSON merge patch of just the differing spec fields, extra chunks are created
/// (generateName <c>&lt;policy&gt;-</c>, owned by the policy so the garbage collector removes them
/// with it) and extra objects deleted. Creates and patches go before deletes. What exists is
/// listed once per namespace and then tracked from the writer's own responses; a conflict or a
/// vanished object drops that knowledge and the reconcile runs again from a fresh list.
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
    private readonly ConcurrentDictionary<string, Dictionary<PolicyReference, List<Existing>>> _known = new(StringComparer.Ordinal);

    public PolicyEndpointWriter(IKubernetes client, int chunkSize = PolicyEndpointChunker.DefaultChunkSize, ILogger? logger = null, TimeProvider? time = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        _chunkSize = chunkSize;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
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
    /// Makes the PolicyEndpoints of <paramref name="policy"/> equal <paramref name="desired"/>
    /// (chunked here); <paramref name="policyUid"/> is the NetworkPolicy's uid for the ownerReference.
    /// </summary>
    public async Task<ReconcileResult> ReconcileAsync(PolicyReference policy, string policyUid, IReadOnlyList<PolicyEndpointSpec> desired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(desired);
        if (desired.Any(d => d.PolicyRef != policy || d.Namespace != policy.Namespace))
        {
            throw new ArgumentException($"every desired PolicyEndpoint must belong to {policy.Namespace}/{policy.Name}", nameof(desired));
        }

        // Policies of different namespaces reconcile concurrently; one namespace's writes are serial.
        SemaphoreSlim gate = Gate(policy.Namespace);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            try
            {
                return await ReconcileOnceAsync(policy, policyUid, desired, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                // Someone else changed or removed an object: forget what we knew and start over once.
                _known.TryRemove(policy.Namespace, out _);
                return await ReconcileOnceAsync(policy, policyUid, desired, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }
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

    private SemaphoreSlim Gate(string ns) => _gates.GetOrAdd(ns, _ => new SemaphoreSlim(1, 1));

    /// <summary>Deletes every PolicyEndpoint of a policy that is gone (the ownerReference does the same, later).</summary>
    public Task<ReconcileResult> DeleteAllAsync(PolicyReference policy, CancellationToken cancellationToken) =>
        ReconcileAsync(policy, "", [], cancellationToken);

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
            IReadOnlyList<PolicyReference> orphans;
            SemaphoreSlim gate = Gate(ns);
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Dictionary<PolicyReference, List<Existing>> known = await KnownAsync(ns, cancellationToken).ConfigureAwait(false);
                orphans = [.. known.Keys.Where(p => !policyExists(p))];
            }
            finally
            {
                gate.Release();
            }

            foreach (PolicyReference orphan in orphans)
            {
                deleted += (await DeleteAllAsync(orphan, cancellationToken).ConfigureAwait(false)).Deleted;
            }
        }

        return deleted;
    }

    private async Task<ReconcileResult> ReconcileOnceAsync(PolicyReference policy, string policyUid, IReadOnlyList<PolicyEndpointSpec> desired, CancellationToken cancellationToken)
    {
        Dictionary<PolicyReference, List<Existing>> known = await KnownAsync(policy.Namespace, cancellationToken).ConfigureAwait(false);
        List<Existing> existing = known.TryGetValue(policy, out List<Existing>? list) ? list : [];
        List<(PolicyEndpointSpec Spec, JsonObject Json)> wanted = [.. PolicyEndpointChunker.Chunk(desired, _chunkSize).Select(s => (s, PolicyEndpointJson.Spec(s)))];

        // 1. Chunks that already exist exactly.
        List<Existing> leftover = [.. existing];
        List<(PolicyEndpointSpec Spec, JsonObject Json)> toWrite = [];
        int unchanged = 0;
        foreach ((PolicyEndpointSpec spec, JsonObject json) in wanted)
        {
            Existing? same = leftover.FirstOrDefault(e => JsonNode.DeepEquals(e.Spec, json));
            if (same is not null)
            {
                leftover.Remove(same);
                unchanged++;
            }
            else
            {
                toWrite.Add((spec, json));
            }
        }

        List<Existing> result = [.. existing.Where(e => !leftover.Contains(e))];
        int created = 0, patched = 0, deleted = 0;
        try
        {
            // 2. Reuse leftover objects for differing chunks (patch), create the rest.
            foreach ((PolicyEndpointSpec spec, JsonObject json) in toWrite)
            {
                if (leftover.Count > 0)
                {
                    Existing target = leftover[0];
                    leftover.RemoveAt(0);
                    JsonObject patch = new() { ["spec"] = JsonMergePatch.Create(target.Spec, json) };
                    // A CRD serves JSON merge patch (and JSON patch, apply), never strategic merge patch.
                    object response = await CallAsync(
                        "patch",
                        policy.Namespace,
                        token => _client.CustomObjects.PatchNamespacedCustomObjectAsync(
                            new V1Patch(patch, V1Patch.PatchType.MergePatch),
                            ApiResource.PolicyEndpointGroup, ApiResource.PolicyEndpointVersion, policy.Namespace, ApiResource.PolicyEndpointPlural, target.Name,
                            fieldManager: FieldManager, cancellationToken: token),
                        cancellationToken).ConfigureAwait(false);
                    result.Add(Read(response) ?? target with { Spec = json });
                    patched++;
                }
                else
                {
                    JsonObject body = PolicyEndpointJson.NewObject(spec, policyUid);
                    object response = await CallAsync(
                        "create",
                        policy.Namespace,
                        token => _client.CustomObjects.CreateNamespacedCustomObjectAsync(
                            body, ApiResource.PolicyEndpointGroup, ApiResource.PolicyEndpointVersion, policy.Namespace, ApiResource.PolicyEndpointPlural,
                            fieldManager: FieldManager, cancellationToken: token),
                        cancellationToken).ConfigureAwait(false);
                    result.Add(Read(response) ?? throw new JsonException("create returned no PolicyEndpoint"));
                    created++;
                }
            }

            // 3. Objects no chunk needs any more.
            foreach (Existing extra in leftover)
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

                deleted++;
            }
        }
        finally
        {
            // Whatever was written stays known even if a later write failed.
            List<Existing> now = [.. result, .. leftover.Skip(deleted)];
            if (now.Count == 0)
            {
                known.Remove(policy);
            }
            else
            {
                known[policy] = now;
            }
        }

        ReconcileResult outcome = new(created, patched, deleted, unchanged);
        if (outcome.Changed)
        {
            KubernetesLog.PolicyEndpointsReconciled(_logger, policy.Namespace, policy.Name, created, patched, deleted, unchanged);
        }

        return outcome;
    }

    /// <summary>The PolicyEndpoints of a namespace by policy, listed from the server the first time.</summary>
    private async Task<Dictionary<PolicyReference, List<Existing>>> KnownAsync(string ns, CancellationToken cancellationToken)
    {
        if (_known.TryGetValue(ns, out Dictionary<PolicyReference, List<Existing>>? known))
        {
            return known;
        }

        object response = await CallAsync(
            "list",
            ns,
            token => _client.CustomObjects.ListNamespacedCustomObjectAsync(
                ApiResource.PolicyEndpointGroup, ApiResource.PolicyEndpointVersion, ns, ApiResource.PolicyEndpointPlural,
                cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        known = [];
        if (ToNode(response)?["items"] is JsonArray items)
        {
            foreach (JsonObject item in items.OfType<JsonObject>())
            {
                Existing? e = Read(item);
                if (e is not null)
                {
                    if (!known.TryGetValue(e.Policy, out List<Existing>? list))
                    {
                        list = [];
                        known[e.Policy] = list;
                    }

                    list.Add(e);
                }
            }
        }

        _known[ns] = known;
        return known;
    }

    private static Existing? Read(object? response) => ToNode(response) is JsonObject obj ? Read(obj) : null;

    /// <summary>
    /// An object as the writer compares it: its spec in our canonical form. An object our
    /// translator rejects keeps its raw spec, so it differs from every desired chunk and is rewritten.
    /// </summary>
    private static Existing? Read(JsonObject obj)
    {
        string? name = (obj["metadata"]?["name"] as JsonValue)?.ToString();
        JsonObject? rawSpec = obj["spec"] as JsonObject;
        string? refName = (rawSpec?["policyRef"]?["name"] as JsonValue)?.ToString();
        string? refNs = (rawSpec?["policyRef"]?["namespace"] as JsonValue)?.ToString();
        if (name is null || refName is null || refNs is null)
        {
            return null;
        }

        TranslationResult<PolicyEndpointSpec> parsed = PolicyEndpointTranslator.Translate(obj, "api");
        JsonObject spec = parsed.Value is not null ? PolicyEndpointJson.Spec(parsed.Value) : rawSpec!.DeepClone().AsObject();
        return new Existing(name, new PolicyReference(refName, refNs), spec);
    }

    private static JsonNode? ToNode(object? response) => response switch
    {
        null => null,
        JsonNode node => node,
        JsonElement element => JsonNode.Parse(element.GetRawText()),
        _ => JsonSerializer.SerializeToNode(response),
    };

    private sealed record Existing(string Name, PolicyReference Policy, JsonObject Spec);
}
