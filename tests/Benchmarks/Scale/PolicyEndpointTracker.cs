using System.Diagnostics;
using System.Text.Json.Nodes;
using Npa.Resolver.Model;

namespace Npa.Benchmarks.Scale;

/// <summary>
/// What the stored PolicyEndpoints say, per NetworkPolicy: the pod IPs its endpoints name (the union over
/// its chunks), kept up to date from every change the API server stores, and the moment an awaited pod IP
/// first appears in all of the policies that should name it.
/// </summary>
internal sealed class PolicyEndpointTracker
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectRef, (ObjectRef Policy, string[] Ips)> _endpoints = [];
    private readonly Dictionary<ObjectRef, Dictionary<string, int>> _ipsByPolicy = [];
    private readonly List<Waiter> _waiters = [];

    /// <summary>Number of PolicyEndpoint changes seen (created, changed or deleted).</summary>
    public long Changes { get; private set; }

    /// <summary>Takes one stored change: ADDED, MODIFIED or DELETED with the object as stored.</summary>
    public void Apply(string type, JsonObject policyEndpoint)
    {
        JsonObject? meta = policyEndpoint["metadata"] as JsonObject;
        JsonObject? spec = policyEndpoint["spec"] as JsonObject;
        ObjectRef key = new(Text(meta?["namespace"]), Text(meta?["name"]));
        ObjectRef policy = new(Text(spec?["policyRef"]?["namespace"]), Text(spec?["policyRef"]?["name"]));
        string[] ips = type == "DELETED"
            ? []
            : [.. (spec?["podSelectorEndpoints"] as JsonArray ?? []).OfType<JsonObject>().Select(e => Text(e["podIP"])).Where(ip => ip.Length > 0)];
        lock (_gate)
        {
            Changes++;
            if (_endpoints.Remove(key, out (ObjectRef Policy, string[] Ips) old))
            {
                Dictionary<string, int> held = _ipsByPolicy[old.Policy];
                foreach (string ip in old.Ips)
                {
                    if (--held[ip] == 0)
                    {
                        held.Remove(ip);
                    }
                }
            }

            if (type == "DELETED")
            {
                return;
            }

            _endpoints[key] = (policy, ips);
            if (!_ipsByPolicy.TryGetValue(policy, out Dictionary<string, int>? set))
            {
                set = new Dictionary<string, int>(StringComparer.Ordinal);
                _ipsByPolicy[policy] = set;
            }

            foreach (string ip in ips)
            {
                set[ip] = set.GetValueOrDefault(ip) + 1;
            }

            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Check(_ipsByPolicy))
                {
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>The pod IPs the PolicyEndpoints of <paramref name="policy"/> name now.</summary>
    public IReadOnlySet<string> IpsOf(ObjectRef policy)
    {
        lock (_gate)
        {
            return _ipsByPolicy.TryGetValue(policy, out Dictionary<string, int>? set) ? set.Keys.ToHashSet(StringComparer.Ordinal) : [];
        }
    }

    /// <summary>Completes with <paramref name="clock"/>'s elapsed time once <paramref name="ip"/> is named by every one of <paramref name="policies"/>.</summary>
    public Task<TimeSpan> WhenNamedBy(IReadOnlyCollection<ObjectRef> policies, string ip, Stopwatch clock)
    {
        Waiter waiter = new(policies, ip, clock);
        lock (_gate)
        {
            if (!waiter.Check(_ipsByPolicy))
            {
                _waiters.Add(waiter);
            }
        }

        return waiter.Done.Task;
    }

    private static string Text(JsonNode? node) => (node as JsonValue)?.ToString() ?? "";

    private sealed class Waiter(IReadOnlyCollection<ObjectRef> policies, string ip, Stopwatch clock)
    {
        public TaskCompletionSource<TimeSpan> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Check(Dictionary<ObjectRef, Dictionary<string, int>> ipsByPolicy)
        {
            if (policies.All(p => ipsByPolicy.TryGetValue(p, out Dictionary<string, int>? set) && set.ContainsKey(ip)))
            {
                Done.TrySetResult(clock.Elapsed);
                return true;
            }

            return false;
        }
    }
}
