using System.Text.Json.Nodes;
using Npa.Ingest.Translation;
using Npa.Resolver.Model;

namespace Npa.Benchmarks.Scale;

/// <summary>
/// Which pods each NetworkPolicy's podSelector selects, computed from the objects the benchmark put into
/// the cluster with the project's own translators and selectors: the pod IPs that every policy's
/// PolicyEndpoints must name, no more and no fewer.
/// </summary>
internal sealed class ExpectedSelection
{
    private readonly Dictionary<ObjectRef, PodInfo> _pods = [];
    private readonly Dictionary<string, Dictionary<string, PodInfo>> _podsByNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<ObjectRef, NetworkPolicySpec> _policies = [];

    public IReadOnlyCollection<ObjectRef> Policies => _policies.Keys;

    public void Pod(JsonObject pod)
    {
        PodInfo info = Put(_pods, PodTranslator.Translate(pod, "scale scenario"));
        if (!_podsByNamespace.TryGetValue(info.Namespace, out Dictionary<string, PodInfo>? pods))
        {
            pods = new Dictionary<string, PodInfo>(StringComparer.Ordinal);
            _podsByNamespace[info.Namespace] = pods;
        }

        pods[info.Name] = info;
    }

    public void PodDeleted(string ns, string name)
    {
        _pods.Remove(new ObjectRef(ns, name));
        if (_podsByNamespace.TryGetValue(ns, out Dictionary<string, PodInfo>? pods))
        {
            pods.Remove(name);
        }
    }

    public void Policy(JsonObject policy) => _ = Put(_policies, NetworkPolicyTranslator.Translate(policy, "scale scenario"));

    /// <summary>The policies that select <paramref name="pod"/>.</summary>
    public IReadOnlyList<ObjectRef> Selecting(ObjectRef pod) =>
        _pods.TryGetValue(pod, out PodInfo? info)
            ? [.. _policies.Values.Where(p => p.Namespace == info.Namespace && p.PodSelector.Matches(info.Labels)).Select(p => new ObjectRef(p.Namespace, p.Name))]
            : [];

    /// <summary>The pod IPs <paramref name="policy"/> selects.</summary>
    public HashSet<string> IpsOf(ObjectRef policy)
    {
        NetworkPolicySpec spec = _policies[policy];
        return _podsByNamespace.GetValueOrDefault(spec.Namespace, []).Values
            .Where(p => p.Ips.Count > 0 && spec.PodSelector.Matches(p.Labels))
            .SelectMany(p => p.Ips.Select(ip => ip.ToString()))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The policies whose PolicyEndpoints (as <paramref name="tracker"/> sees them) do not name exactly the selected pods.</summary>
    public int CountWrong(PolicyEndpointTracker tracker) =>
        _policies.Keys.Count(p => !tracker.IpsOf(p).SetEquals(IpsOf(p)));

    private static T Put<T>(Dictionary<ObjectRef, T> into, TranslationResult<T> result)
        where T : class
    {
        T value = result.Value ?? throw new InvalidOperationException(string.Join("; ", result.Diagnostics));
        ObjectRef key = value switch
        {
            PodInfo p => p.Ref,
            NetworkPolicySpec n => new ObjectRef(n.Namespace, n.Name),
            _ => throw new ArgumentException(typeof(T).Name),
        };
        into[key] = value;
        return value;
    }
}
