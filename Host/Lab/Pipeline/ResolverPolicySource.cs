using Npa.Host.Lab.Output;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Resolver.Verdicts;

namespace Npa.Host.Lab.Pipeline;

/// <summary>The project's resolver behind the lab's seam: per-pod policies to enforce, and the verdicts to expect.</summary>
public sealed class ResolverPolicySource : ILabPolicyResolver
{
    public bool Available => true;

    public IReadOnlyList<PodPolicy> Resolve(LabCluster cluster) =>
        [.. PolicyResolver.ResolvePodPolicies(Snapshot(cluster)).Values];

    /// <summary>The expected matrix over the pods the lab runs (those with addresses), one per probe.</summary>
    public ConnectivityReport? Expect(LabCluster cluster, IReadOnlyList<LabPort> probes)
    {
        ResolvedCluster resolved = PolicyResolver.Resolve(Snapshot(cluster));
        List<ObjectRef> pods = [.. cluster.Pods.Where(p => p.Ips.Count > 0 && !p.HostNetwork).Select(p => p.Ref)];
        List<ConnectivityProbe> result = [];
        foreach (LabPort port in probes)
        {
            Probe probe = new(port.Protocol, port.Port, null);
            result.Add(ConnectivityReport.Build(port, pods, (from, to) =>
                from == to || VerdictEvaluator.Evaluate(resolved, from, to, probe).Allowed));
        }

        return new ConnectivityReport(result, []);
    }

    private static ClusterSnapshot Snapshot(LabCluster cluster) =>
        new(cluster.Namespaces, cluster.Pods, cluster.Policies, cluster.Services);
}
