using Npa.Host.Lab.Output;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;

namespace Npa.Host.Lab.Pipeline;

/// <summary>The project's resolver behind the lab's seam: per-pod policies to enforce, and the verdicts to expect.</summary>
public sealed class ResolverPolicySource : ILabPolicyResolver
{
    public IReadOnlyList<PodPolicy> Resolve(LabCluster cluster) =>
        [.. PolicyResolver.ResolvePodPolicies(Snapshot(cluster)).Values];

    /// <summary>
    /// The expected matrix over the pods the lab runs (those with addresses), one per probe, each probe
    /// evaluated as the same <see cref="Probe"/> <c>npa matrix</c> takes. A named probe to a destination
    /// that declares no such port is null, as the lab reports it: it cannot be probed.
    /// </summary>
    public ConnectivityReport Expect(LabCluster cluster, IReadOnlyList<LabProbe> probes)
    {
        ResolvedCluster resolved = PolicyResolver.Resolve(Snapshot(cluster));
        List<ObjectRef> pods = [.. cluster.Pods.Where(p => p.Ips.Count > 0 && !p.HostNetwork).Select(p => p.Ref)];
        List<ConnectivityProbe> result = [];
        foreach (LabProbe labProbe in probes)
        {
            Probe probe = labProbe.ToResolverProbe();
            result.Add(ConnectivityReport.Build(labProbe, pods, (from, to) =>
            {
                if (from == to)
                {
                    return true;
                }

                if (probe.PortName is { } name && NamedPortResolver.Resolve(resolved.Pods[to], name, probe.Protocol).Count == 0)
                {
                    return null;
                }

                return VerdictEvaluator.Evaluate(resolved, from, to, probe).Allowed;
            }));
        }

        return new ConnectivityReport(result, []);
    }

    private static ClusterSnapshot Snapshot(LabCluster cluster) =>
        new(cluster.Namespaces, cluster.Pods, cluster.Policies, cluster.Services);
}
