using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Resolver.Resolution;

/// <summary>
/// The node side of PolicyEndpoints: turns the PolicyEndpoint objects a controller published (ours or the
/// EKS one) into the <see cref="PodPolicy"/> of each local pod, without seeing any NetworkPolicy.
/// All chunks of one policy are taken together, so a policy is applied whole or not at all: the pods it
/// selects are the union of its chunks' <c>podSelectorEndpoints</c>, its rules the union of their
/// <c>ingress</c>/<c>egress</c>. A pod is isolated in a direction when some policy selecting it lists that
/// direction in <c>podIsolation</c>; it may then send or receive what any of those policies allows.
/// </summary>
public static class PolicyEndpointRules
{
    public static IReadOnlyDictionary<ObjectRef, PodPolicy> Resolve(IEnumerable<PolicyEndpointSpec> endpoints, IEnumerable<PodInfo> localPods)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(localPods);

        // One entry per policy, chunks merged in a stable order (by object name) so rule indexes are deterministic.
        var policies = endpoints
            .GroupBy(e => new ObjectRef(e.PolicyRef.Namespace, e.PolicyRef.Name))
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                PolicyEndpointSpec[] chunks = [.. g.OrderBy(e => e.Name, StringComparer.Ordinal)];
                return new
                {
                    Policy = g.Key,
                    Selected = chunks.SelectMany(c => c.PodSelectorEndpoints).Select(p => new ObjectRef(p.Namespace, p.Name)).ToHashSet(),
                    Isolation = chunks.SelectMany(c => c.PodIsolation).ToHashSet(),
                    Ingress = Rules(g.Key, Model.Direction.Ingress, chunks.SelectMany(c => c.Ingress)),
                    Egress = Rules(g.Key, Model.Direction.Egress, chunks.SelectMany(c => c.Egress)),
                };
            })
            .ToList();

        Dictionary<ObjectRef, PodPolicy> result = [];
        foreach (PodInfo pod in localPods.OrderBy(p => p.Ref))
        {
            var selecting = policies.Where(p => p.Selected.Contains(pod.Ref)).ToList();
            result[pod.Ref] = new PodPolicy(
                pod.Ref,
                pod.Ips,
                Isolation(selecting.Where(p => p.Isolation.Contains(Model.Direction.Ingress)).Select(p => (p.Policy, p.Ingress))),
                Isolation(selecting.Where(p => p.Isolation.Contains(Model.Direction.Egress)).Select(p => (p.Policy, p.Egress))));
        }

        return result;
    }

    private static DirectionPolicy Isolation(IEnumerable<(ObjectRef Policy, List<AllowRule> Rules)> isolating)
    {
        List<(ObjectRef Policy, List<AllowRule> Rules)> list = [.. isolating];
        return list.Count == 0
            ? DirectionPolicy.Open
            : new DirectionPolicy(true, [.. list.SelectMany(p => p.Rules)], [.. list.Select(p => p.Policy)]);
    }

    private static List<AllowRule> Rules(ObjectRef policy, Direction direction, IEnumerable<EndpointInfo> entries)
    {
        List<AllowRule> rules = [];
        int index = 0;
        foreach (EndpointInfo entry in entries)
        {
            int at = index++;
            if (!IpPrefix.TryParse(entry.Cidr, out IpPrefix cidr, out _))
            {
                continue; // The translator rejects such objects; nothing unreadable reaches this point.
            }

            List<IpPrefix> except = [.. entry.Except
                .Select(x => IpPrefix.TryParse(x, out IpPrefix hole, out _) ? hole : (IpPrefix?)null)
                .OfType<IpPrefix>()
                .Where(h => cidr.Contains(h))];
            RuleRef source = new(policy.Namespace, policy.Name, direction, at, entry.Cidr);
            IEnumerable<L4Match> ports = entry.Ports.Count == 0
                ? [L4Match.Any]
                : entry.Ports.Select(p => p.Port is not { } first
                    ? L4Match.AllPorts(p.Protocol)
                    : new L4Match(p.Protocol, first, p.EndPort ?? first));
            rules.AddRange(ports.Distinct().Select(match => new AllowRule(cidr, except, match, source)));
        }

        return rules;
    }
}
