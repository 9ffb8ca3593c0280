using System.Net;
using Npa.Host.Options;
using Npa.Resolver.Events;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;

namespace Npa.Host.Tests.Daemons;

/// <summary>The agent taking its rules from PolicyEndpoints, as published by a controller (ours or the EKS one).</summary>
public class AgentPolicyEndpointTests
{
    private static PodInfo Local(string name, string ip) =>
        AgentSamples.Pod(name, "web", ip, "node-a") with { HostIp = "10.1.0.7" };

    private static PolicyEndpointSpec Chunk(string name, PodInfo[] selected, EndpointInfo[] ingress) =>
        new("shop", name, "allow-api-to-web-", new PolicyReference("allow-api-to-web", "shop"), null, [Direction.Ingress],
            [.. selected.Select(p => new PodEndpoint("10.1.0.7", p.Ips[0].ToString(), p.Name, p.Namespace))], ingress, []);

    [Fact]
    public async Task LocalPodsNamedByPolicyEndpoints_AreIsolated_WithThePublishedRules_AndTheirNode()
    {
        string state = TestAgent.NewStateDir();
        try
        {
            ScriptedSource source = new();
            await using TestAgent agent = await TestAgent.StartAsync(state, source, policySource: PolicySource.PolicyEndpoints);
            PodInfo web1 = Local("web-1", "192.168.1.10");
            PodInfo web2 = Local("web-2", "192.168.1.11");
            PodInfo elsewhere = AgentSamples.Pod("web-3", "web", "192.168.3.10", "node-b");
            EndpointInfo fromApi = new("192.168.2.10", [], [new EndpointPort(Protocol.Tcp, 8080, null)]);

            // The selected pods and the rules arrive in different chunks: both count, together.
            await source.SendAsync(
                new PodUpserted(web1, "1"), new PodUpserted(web2, "2"), new PodUpserted(elsewhere, "3"),
                new PolicyEndpointUpserted(Chunk("allow-api-to-web-aaaaa", [web1, elsewhere], []), "4"),
                new PolicyEndpointUpserted(Chunk("allow-api-to-web-bbbbb", [], [fromApi]), "5"));

            Assert.True(await TestAgent.EventuallyAsync(() =>
                agent.Enforcer.Policies.TryGetValue(web1.Ref, out PodPolicy? p) && p.Ingress.Rules.Count == 2),
                "web-1 never got the published rule plus the node rule");
            PodPolicy programmed = agent.Enforcer.Policies[web1.Ref];
            Assert.True(programmed.Ingress.Isolated);
            Assert.Contains(programmed.Ingress.Rules, r => r.Cidr == IpPrefix.Parse("192.168.2.10/32") && r.Ports == L4Match.Single(Protocol.Tcp, 8080));
            Assert.Contains(programmed.Ingress.Rules, r => r.Cidr == IpPrefix.Host(IPAddress.Parse("10.1.0.7")) && r.Ports == L4Match.Any);
            Assert.False(programmed.Egress.Isolated);
            Assert.False(agent.Enforcer.Policies.TryGetValue(elsewhere.Ref, out _), "a pod of another node was programmed");
            Assert.True(await TestAgent.EventuallyAsync(() =>
                agent.Enforcer.Policies.TryGetValue(web2.Ref, out PodPolicy? p) && !p.Ingress.Isolated),
                "web-2, named by no PolicyEndpoint, should stay open");

            // Deleting the chunk that names web-1 lifts its isolation.
            await source.SendAsync(new PolicyEndpointDeleted(new ObjectRef("shop", "allow-api-to-web-aaaaa"),
                new PolicyReference("allow-api-to-web", "shop"), "6"));
            Assert.True(await TestAgent.EventuallyAsync(() =>
                agent.Enforcer.Policies.TryGetValue(web1.Ref, out PodPolicy? p) && !p.Ingress.Isolated),
                "web-1 stayed isolated after its PolicyEndpoint was deleted");
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task PodsListedBeforeThePolicyEndpoints_AreNeverProgrammedOpen_TheFirstListsGoOnTogether()
    {
        string state = TestAgent.NewStateDir();
        try
        {
            ScriptedSource source = new(firstListKinds: new HashSet<ResourceKind> { ResourceKind.Pod, ResourceKind.PolicyEndpoint });
            await using TestAgent agent = await TestAgent.StartAsync(state, source, policySource: PolicySource.PolicyEndpoints);
            PodInfo web1 = Local("web-1", "192.168.1.10");
            EndpointInfo fromApi = new("192.168.2.10", [], [new EndpointPort(Protocol.Tcp, 8080, null)]);

            // A fresh agent over rules a previous one pinned: the pod list comes in first...
            await source.SendAsync(new PodUpserted(web1, "1"), new SourceSynced(ResourceKind.Pod, "1", 1, 0, false));
            await Task.Delay(300); // (gives a wrong order every chance to show)
            Assert.Empty(agent.Enforcer.Applied);

            // ...the PolicyEndpoints naming it after.
            await source.SendAsync(
                new PolicyEndpointUpserted(Chunk("allow-api-to-web-aaaaa", [web1], [fromApi]), "2"),
                new SourceSynced(ResourceKind.PolicyEndpoint, "2", 1, 0, false));

            Assert.True(await TestAgent.EventuallyAsync(() => agent.Enforcer.Policies.ContainsKey(web1.Ref)), "web-1 was never programmed");
            PodPolicy first = agent.Enforcer.Applied.First(p => p.Pod == web1.Ref);
            Assert.True(first.Ingress.Isolated, "web-1 was programmed open before its PolicyEndpoint was seen");
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task AKindThatIsNeverListed_DelaysNothingBeyondTheWait()
    {
        string state = TestAgent.NewStateDir();
        try
        {
            ScriptedSource source = new(new HashSet<ResourceKind> { ResourceKind.Pod, ResourceKind.PolicyEndpoint }, firstListWait: TimeSpan.FromMilliseconds(500));
            await using TestAgent agent = await TestAgent.StartAsync(state, source, policySource: PolicySource.PolicyEndpoints);
            PodInfo web1 = Local("web-1", "192.168.1.10");

            // PolicyEndpoints are never listed (say the CRD is missing): after the wait the pods go on.
            await source.SendAsync(new PodUpserted(web1, "1"), new SourceSynced(ResourceKind.Pod, "1", 1, 0, false));

            Assert.True(await TestAgent.EventuallyAsync(() => agent.Enforcer.Policies.ContainsKey(web1.Ref)),
                "the agent kept waiting for a kind that never listed");
            PodInfo web2 = Local("web-2", "192.168.1.11");
            await source.SendAsync(new PodUpserted(web2, "2"));
            Assert.True(await TestAgent.EventuallyAsync(() => agent.Enforcer.Policies.ContainsKey(web2.Ref)),
                "changes after the wait were held");
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
