using System.Net;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Resolver.Resolution;
using Npa.Tests.Shared.Oracle;
using static Npa.Tests.Shared.Builders.Spec;
using static Npa.Resolver.Resolution.ResolverEvent;

namespace Npa.Resolver.Tests.Resolution;

public class ResolverStateTests
{
    public static TheoryData<int> Seeds()
    {
        TheoryData<int> data = [];
        for (int seed = 0; seed < 300; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void APolicyWhosePolicyEndpointChanged_IsAlwaysAmongThoseRecorded(int seed)
    {
        Random rng = new(seed);
        Universe universe = Universe.Generate(seed);
        ResolverState state = new();
        state.TrackPolicyEndpointChanges();
        Dictionary<ObjectRef, (PolicyEndpointSpec? Spec, string Nodes)> built = [];
        int steps = rng.Next(10, 60);
        for (int i = 0; i < steps; i++)
        {
            ResolverEvent e = universe.NextEvent(rng);
            state.Apply(e);
            HashSet<ObjectRef> recorded = [.. state.TakePolicyEndpointChanges()];
            foreach (ObjectRef policy in state.Index.Policies.Select(p => p.Ref).Concat(built.Keys).Distinct().ToList())
            {
                (PolicyEndpointSpec? Spec, string Nodes) now = (PolicyEndpointBuilder.BuildWhole(state, policy), string.Join(",", PolicyEndpointBuilder.NodesOf(state, policy)));
                (PolicyEndpointSpec? Spec, string Nodes) before = built.GetValueOrDefault(policy, (null, ""));
                bool changed = !Equals(before.Spec, now.Spec) || before.Nodes != now.Nodes;
                Assert.False(changed && !recorded.Contains(policy), $"step {i} ({e}): the PolicyEndpoint of {policy} changed but the policy was not recorded");
                built[policy] = now;
            }

            Assert.Empty(state.TakePolicyEndpointChanges());
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ApplyingRandomEventsOneAtATime_EqualsResolvingTheFinalObjectsFromScratch(int seed)
    {
        Random rng = new(seed);
        Universe universe = Universe.Generate(seed);
        ResolverState state = new();
        FinalObjects final = new();
        Dictionary<ObjectRef, PodPolicy> reported = [];
        int steps = rng.Next(10, 60);
        for (int i = 0; i < steps; i++)
        {
            ResolverEvent e = universe.NextEvent(rng);
            final.Apply(e);
            PodPolicyChanges changes = state.Apply(e);
            foreach (PodPolicy p in changes.Changed)
            {
                reported[p.Pod] = p;
            }

            foreach (ObjectRef r in changes.Removed)
            {
                reported.Remove(r);
            }
        }

        IReadOnlyDictionary<ObjectRef, PodPolicy> expected = ResolverState.FromSnapshot(final.Snapshot()).PodPolicies;
        AssertSame(expected, state.PodPolicies);
        // The changes reported along the way add up to the final state too.
        AssertSame(expected, reported);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void EveryPermutationOfTheSameObjects_GivesTheSameResult(int seed)
    {
        Random rng = new(seed);
        Universe universe = Universe.Generate(seed);
        FinalObjects final = new();
        for (int i = 0; i < 40; i++)
        {
            final.Apply(universe.NextEvent(rng));
        }

        ClusterSnapshot snapshot = final.Snapshot();
        IReadOnlyDictionary<ObjectRef, PodPolicy> expected = ResolverState.FromSnapshot(snapshot).PodPolicies;
        for (int p = 0; p < 3; p++)
        {
            ClusterSnapshot shuffled = new(Shuffle(snapshot.Namespaces, rng), Shuffle(snapshot.Pods, rng), Shuffle(snapshot.Policies, rng), Shuffle(snapshot.Services, rng));
            AssertSame(expected, ResolverState.FromSnapshot(shuffled).PodPolicies);

            ResolverState incremental = new();
            incremental.ApplyAll(Shuffle(shuffled.ToEvents().ToArray(), rng));
            AssertSame(expected, incremental.PodPolicies);
        }
    }

    [Fact]
    public void NamespaceLabelChange_ReresolvesOnlyPoliciesWhoseNamespaceSelectorsCare()
    {
        ResolverState state = ResolverState.FromSnapshot(new ClusterSnapshot(
            [Namespace("x", "ns=x"), Namespace("y", "ns=y")],
            [Pod("x/a", "pod=a", "10.0.0.1"), Pod("y/b", "pod=b", "10.0.0.2")],
            [Ingress("x", "from-prod", "", From(Namespaces("env=prod")))],
            []));
        Assert.Empty(state.PodPolicies[new ObjectRef("x", "a")].Ingress.Rules);

        PodPolicyChanges changes = state.Apply(new NamespaceUpserted(Namespace("y", "ns=y,env=prod")));

        PodPolicy updated = Assert.Single(changes.Changed);
        Assert.Equal(new ObjectRef("x", "a"), updated.Pod);
        Assert.Equal("10.0.0.2/32", Assert.Single(updated.Ingress.Rules).Cidr.ToString());
    }

    [Fact]
    public void PodLabelChange_ReportsOnlyPodsWhosePolicyChanged()
    {
        ResolverState state = ResolverState.FromSnapshot(new ClusterSnapshot(
            [Namespace("x")],
            [Pod("x/a", "pod=a", "10.0.0.1"), Pod("x/b", "pod=b", "10.0.0.2"), Pod("x/c", "pod=c", "10.0.0.3")],
            [Ingress("x", "a-from-b", "pod=a", From(Pods("pod=b")))],
            []));

        PodPolicyChanges changes = state.Apply(new PodUpserted(Pod("x/c", "pod=b", "10.0.0.3")));

        Assert.Equal([new ObjectRef("x", "a")], changes.Changed.Select(p => p.Pod));
        Assert.Equal(["10.0.0.2/32", "10.0.0.3/32"], state.PodPolicies[new ObjectRef("x", "a")].Ingress.Rules.Select(r => r.Cidr.ToString()));
    }

    [Fact]
    public void DeletedPod_IsReportedRemoved()
    {
        ResolverState state = ResolverState.FromSnapshot(new ClusterSnapshot([], [Pod("x/a", "", "10.0.0.1")], [], []));
        PodPolicyChanges changes = state.Apply(new PodDeleted(new ObjectRef("x", "a")));
        Assert.Equal([new ObjectRef("x", "a")], changes.Removed);
        Assert.Empty(state.PodPolicies);
    }

    private static void AssertSame(IReadOnlyDictionary<ObjectRef, PodPolicy> expected, IReadOnlyDictionary<ObjectRef, PodPolicy> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach ((ObjectRef pod, PodPolicy policy) in expected)
        {
            PodPolicy other = actual[pod];
            Assert.True(policy.Equals(other), $"pod {pod} differs:\nexpected {Describe(policy)}\nactual   {Describe(other)}");
        }
    }

    private static string Describe(PodPolicy p) =>
        $"ingress({p.Ingress.Isolated}: {string.Join("; ", p.Ingress.Rules.Select(r => $"{r.Cidr} {r.Ports} {r.Source}"))}) " +
        $"egress({p.Egress.Isolated}: {string.Join("; ", p.Egress.Rules.Select(r => $"{r.Cidr} {r.Ports} {r.Source}"))})";

    private static T[] Shuffle<T>(IReadOnlyList<T> items, Random rng)
    {
        T[] copy = items.ToArray();
        rng.Shuffle(copy);
        return copy;
    }

    /// <summary>The objects that exist after a sequence of events, kept without any of the resolver's code.</summary>
    private sealed class FinalObjects
    {
        private readonly Dictionary<string, NamespaceInfo> _namespaces = [];
        private readonly Dictionary<ObjectRef, PodInfo> _pods = [];
        private readonly Dictionary<ObjectRef, NetworkPolicySpec> _policies = [];
        private readonly Dictionary<ObjectRef, ServiceInfo> _services = [];

        public void Apply(ResolverEvent e)
        {
            switch (e)
            {
                case NamespaceUpserted(NamespaceInfo n): _namespaces[n.Name] = n; break;
                case NamespaceDeleted(string n): _namespaces.Remove(n); break;
                case PodUpserted(PodInfo p): _pods[p.Ref] = p; break;
                case PodDeleted(ObjectRef r): _pods.Remove(r); break;
                case PolicyUpserted(NetworkPolicySpec p): _policies[p.Ref] = p; break;
                case PolicyDeleted(ObjectRef r): _policies.Remove(r); break;
                case ServiceUpserted(ServiceInfo s): _services[s.Ref] = s; break;
                case ServiceDeleted(ObjectRef r): _services.Remove(r); break;
            }
        }

        public ClusterSnapshot Snapshot() => new(_namespaces.Values.ToArray(), _pods.Values.ToArray(), _policies.Values.ToArray(), _services.Values.ToArray());
    }

    /// <summary>Several versions of a small set of objects, taken from a few generated clusters, plus services.</summary>
    private sealed class Universe
    {
        private readonly List<NamespaceInfo> _namespaces = [];
        private readonly List<PodInfo> _pods = [];
        private readonly List<NetworkPolicySpec> _policies = [];
        private readonly List<ServiceInfo> _services = [];

        public static Universe Generate(int seed)
        {
            Universe u = new();
            for (int v = 0; v < 3; v++)
            {
                RandomCluster c = RandomCluster.Generate((seed * 7) + v);
                u._namespaces.AddRange(c.Namespaces);
                u._pods.AddRange(c.Pods);
                u._policies.AddRange(c.Policies);
            }

            Random rng = new(seed);
            string[] keys = ["app", "tier"];
            string[] values = ["a", "b", "c"];

            // Versions that differ from another only in labels exercise the finest invalidation (same addresses and ports).
            foreach (PodInfo pod in u._pods.ToArray())
            {
                Dictionary<string, string> labels = new(pod.Labels);
                labels[keys[rng.Next(2)]] = values[rng.Next(3)];
                if (rng.Next(2) == 0)
                {
                    labels.Remove("env");
                }

                u._pods.Add(pod with { Labels = labels });
            }
            for (int i = 0; i < 4; i++)
            {
                ServicePort port = rng.Next(3) switch
                {
                    0 => new ServicePort(null, Protocol.Tcp, 8000 + i, 80, null),
                    1 => new ServicePort("named", Protocol.Tcp, 80, null, "http"),
                    _ => new ServicePort(null, Protocol.Udp, 53, 81, null),
                };
                u._services.Add(new ServiceInfo($"ns{rng.Next(3)}", $"svc{rng.Next(3)}", [IPAddress.Parse($"172.20.0.{i + 1}")],
                    new Dictionary<string, string> { [keys[rng.Next(2)]] = values[rng.Next(3)] }, [port]));
            }

            return u;
        }

        public ResolverEvent NextEvent(Random rng)
        {
            bool delete = rng.Next(5) == 0;
            switch (rng.Next(8))
            {
                case 0:
                {
                    NamespaceInfo n = _namespaces[rng.Next(_namespaces.Count)];
                    return delete ? new NamespaceDeleted(n.Name) : new NamespaceUpserted(n);
                }

                case 1:
                case 2:
                case 3:
                {
                    if (_pods.Count == 0)
                    {
                        goto default;
                    }

                    PodInfo p = _pods[rng.Next(_pods.Count)];
                    return delete ? new PodDeleted(p.Ref) : new PodUpserted(p);
                }

                case 4:
                case 5:
                {
                    if (_policies.Count == 0)
                    {
                        goto default;
                    }

                    NetworkPolicySpec p = _policies[rng.Next(_policies.Count)];
                    return delete ? new PolicyDeleted(p.Ref) : new PolicyUpserted(p);
                }

                default:
                {
                    ServiceInfo s = _services[rng.Next(_services.Count)];
                    return delete ? new ServiceDeleted(s.Ref) : new ServiceUpserted(s);
                }
            }
        }
    }
}
