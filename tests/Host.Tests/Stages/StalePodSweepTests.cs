using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npa.Host.Daemons;
using Npa.Host.Options;
using Npa.Host.Stages;
using Npa.Host.Tests.Daemons;
using Npa.Resolver.Events;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Stages;

public class StalePodSweepTests
{
    [Fact]
    public async Task AfterTheFirstPodList_PodsProgrammedBeforeTheStartAndGoneSince_AreRemoved()
    {
        string state = TestAgent.NewStateDir();
        try
        {
            Dictionary<ObjectRef, PodPolicy> expected = AgentSamples.ExpectedOnNodeA(AgentSamples.Pods);
            ObjectRef gone = new("shop", "deleted-while-down");
            InMemoryPodEnforcer enforcer = new();
            enforcer.Adopt(expected[new ObjectRef("shop", "web-1")]);
            enforcer.Adopt(expected[new ObjectRef("shop", "web-1")] with { Pod = gone });
            ScriptedSource source = new();
            await using TestAgent agent = await TestAgent.StartAsync(state, source, enforcer: enforcer);

            await source.SendAsync(AgentSamples.Events());
            await source.SendAsync(new SourceSynced(ResourceKind.Pod, "4", AgentSamples.Pods.Count, 0, Relist: false));

            Assert.True(await TestAgent.EventuallyAsync(() => enforcer.StaleSweeps.Count == 1 && AgentSamples.SameSet(enforcer.Policies, expected)),
                "the pod deleted while the agent was down kept its programs after the first pod list");
            Assert.Equal(expected.Keys.ToHashSet(), enforcer.StaleSweeps[0]);
            Assert.DoesNotContain(gone, enforcer.Policies.Keys);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task BeforeAnyPodList_NothingIsSwept()
    {
        string state = TestAgent.NewStateDir();
        try
        {
            ObjectRef adopted = new("shop", "pinned-before-start");
            InMemoryPodEnforcer enforcer = new();
            enforcer.Adopt(AgentSamples.ExpectedOnNodeA(AgentSamples.Pods)[new ObjectRef("shop", "db-1")] with { Pod = adopted });
            ScriptedSource source = new();
            await using TestAgent agent = await TestAgent.StartAsync(state, source, enforcer: enforcer);

            // Objects and the other kinds' list markers, but no pod list yet.
            await source.SendAsync(AgentSamples.Events());
            await source.SendAsync(new SourceSynced(ResourceKind.NetworkPolicy, "5", 1, 0, Relist: false));
            Assert.True(await TestAgent.EventuallyAsync(() => enforcer.Policies.Count == 4));

            Assert.Empty(enforcer.StaleSweeps);
            Assert.Contains(adopted, enforcer.Policies.Keys);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task PeriodicEnforcerWork_RunsOnlyOnTheKernelEnforcer(bool dryRun, bool testEnforcer)
    {
        string state = TestAgent.NewStateDir();
        try
        {
            AgentOptions options = new()
            {
                EnableNetworkPolicy = true,
                NodeName = "node-a",
                DryRun = dryRun,
                JournalDir = Path.Combine(state, "journal"),
                CniSocket = Path.Combine(state, "npa.sock"),
                MetricsBindAddr = "127.0.0.1:0",
                HealthProbeBindAddr = "127.0.0.1:0",
                LogLevel = "warn",
            };
            await using WebApplication app = AgentHost.Build(options, new AgentHostOverrides
            {
                Source = new ScriptedSource(),
                Enforcer = testEnforcer ? new InMemoryPodEnforcer() : null,
            });

            List<Type> hosted = app.Services.GetServices<IHostedService>().Select(s => s.GetType()).ToList();

            Assert.Contains(typeof(StalePodSweepStage), hosted);
            Assert.DoesNotContain(typeof(EnforcerMaintenanceStage), hosted);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
