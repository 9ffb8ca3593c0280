using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Npa.Enforcer;
using Npa.Enforcer.Maps;
using Npa.Host.Options;
using Npa.Host.Stages;
using Npa.Host.Tests.Daemons;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Kernel;

public class EnforcerMaintenanceKernelTests
{
    [KernelFact]
    public async Task EachCleanupPeriod_TheStageRepairsEntriesChangedBehindTheEnforcersBack()
    {
        string root = $"/sys/fs/bpf/npaaw-{Guid.NewGuid():N}"[..32];
        PodKey pod = new("shop", "web-1", "uid-web-1");
        FakeTimeProvider time = new();
        try
        {
            using NodeEnforcer node = NodeEnforcer.Open(new EnforcerOptions { BpffsRoot = root, ConntrackEntries = 4096 });
            node.RegisterUnattached(pod, 900_011, Npa.Enforcer.EnforcingMode.Standard); // map keys only; nothing attaches
            node.Apply(pod, AgentSamples.ExpectedOnNodeA(AgentSamples.Pods)[pod.Ref]);
            LpmPodState programmed = node.ReadProgrammed(pod)!;
            Assert.Contains(programmed.Peers.Keys, k => !k.Prefix.IsIPv6);

            EnforcerMaintenanceStage stage = new(new AgentOptions { ConntrackCacheCleanupPeriod = 120 }, node, time, NullLogger<EnforcerMaintenanceStage>.Instance);
            await stage.StartAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
            try
            {
                // Drift: someone deletes the pod's IPv4 peer entries.
                uint podId = node.GetPod(pod)!.PodId;
                using (BpfMap<NpaLpm4Key, uint> map = new(
                    Npa.Enforcer.PinnedState.PinnedObjects.Get(Path.Combine(root, "maps", Npa.Enforcer.PinnedState.MapNames.IngressLpm4)), "ing4"))
                {
                    foreach (LpmPeerKey key in programmed.Peers.Keys.Where(k => !k.Prefix.IsIPv6))
                    {
                        map.Delete(KeyCodec.Peer4(podId, key.Prefix));
                    }
                }

                Assert.NotEqual(programmed, node.ReadProgrammed(pod));

                // The stage's timer starts on its own thread: keep the (fake) clock moving a period at a time.
                Assert.True(await TestAgent.EventuallyAsync(() =>
                    {
                        time.Advance(TimeSpan.FromSeconds(120));
                        return programmed.Equals(node.ReadProgrammed(pod));
                    }),
                    "the maintenance stage did not repair the drift after one --conntrack-cache-cleanup-period");
            }
            finally
            {
                await stage.StopAsync(CancellationToken.None).WaitAsync(TestTimeouts.Default);
            }
        }
        finally
        {
            NodeEnforcer.DeleteRoot(root);
        }
    }
}
