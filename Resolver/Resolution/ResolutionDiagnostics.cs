using Npa.Resolver.Model;
using Npa.Resolver.Selection;

namespace Npa.Resolver.Resolution;

/// <summary>
/// Warnings about policies that resolve to less than they seem to say: a named port that no pod it could
/// mean declares. The policies stay valid; the warnings explain an unexpected denial.
/// </summary>
public static class ResolutionDiagnostics
{
    public static IReadOnlyList<Diagnostic> Find(ClusterIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        List<Diagnostic> found = [];
        foreach (NetworkPolicySpec policy in index.Policies)
        {
            PodInfo[]? targets = null;
            if ((policy.PolicyTypes & PolicyTypes.Ingress) != 0)
            {
                for (int r = 0; r < policy.Ingress.Count; r++)
                {
                    IReadOnlyList<PolicyPort> ports = policy.Ingress[r].Ports;
                    for (int p = 0; p < ports.Count; p++)
                    {
                        if (ports[p].NamedPort is string name)
                        {
                            targets ??= index.TargetsOf(policy).ToArray();
                            if (targets.Length > 0 && !targets.Any(t => NamedPortResolver.Resolve(t, name, ports[p].Protocol).Count > 0))
                            {
                                found.Add(Diagnostic.Warning("NetworkPolicy", policy.Namespace, policy.Name, $"spec.ingress[{r}].ports[{p}].port",
                                    $"none of the {targets.Length} selected pods declares a {ports[p].Protocol.ToString().ToUpperInvariant()} port named '{name}'; the entry allows nothing"));
                            }
                        }
                    }
                }
            }

            if ((policy.PolicyTypes & PolicyTypes.Egress) != 0)
            {
                for (int r = 0; r < policy.Egress.Count; r++)
                {
                    PolicyRule rule = policy.Egress[r];
                    for (int p = 0; p < rule.Ports.Count; p++)
                    {
                        if (rule.Ports[p].NamedPort is not string name)
                        {
                            continue;
                        }

                        PodInfo[] peers = rule.Peers.Count == 0 || rule.Peers.Any(x => x.IpBlock is not null)
                            ? index.Pods.Where(x => x.Ips.Count > 0).ToArray()
                            : rule.Peers.SelectMany(x => index.PodsSelectedBy(x, policy.Namespace)).Where(x => x.Ips.Count > 0).ToArray();
                        if (peers.Length > 0 && !peers.Any(x => NamedPortResolver.Resolve(x, name, rule.Ports[p].Protocol).Count > 0))
                        {
                            found.Add(Diagnostic.Warning("NetworkPolicy", policy.Namespace, policy.Name, $"spec.egress[{r}].ports[{p}].port",
                                $"no destination pod declares a {rule.Ports[p].Protocol.ToString().ToUpperInvariant()} port named '{name}'; the entry allows nothing"));
                        }
                    }
                }
            }
        }

        return found;
    }
}
