using Npa.Enforcer;
using Npa.Host.Stages;
using Npa.Resolver.Model;

namespace Npa.Host.Tests.Kernel;

public class StalePodKernelTests
{
    [KernelFact]
    public void RemoveStalePods_RemovesOnlyPinnedPodsTheListNoLongerHasOrThatWereRecreated_AndTheirPinsStayGone()
    {
        string root = $"/sys/fs/bpf/npaaw-{Guid.NewGuid():N}"[..32];
        EnforcerOptions options = new() { BpffsRoot = root, ConntrackEntries = 4096 };
        PodKey kept = new("shop", "web-1", "uid-web-1");
        PodKey gone = new("shop", "deleted-while-down", "uid-gone");
        PodKey later = new("shop", "created-after-start", "uid-later");
        PodKey recreated = new("shop", "db-1", "uid-db-old");
        try
        {
            // A previous agent's pins: two pods (ifindexes that are map keys only; nothing attaches).
            using (NodeEnforcer before = NodeEnforcer.Open(options))
            {
                before.RegisterUnattached(kept, 900_001, EnforcingMode.Standard);
                before.RegisterUnattached(gone, 900_002, EnforcingMode.Standard);
                before.RegisterUnattached(recreated, 900_004, EnforcingMode.Standard);
            }

            using NodeEnforcer node = NodeEnforcer.Open(options);
            // The resolver knows db-1 under a new uid: deleted and re-created while the agent was down.
            NodePodEnforcer pods = new(node, EnforcingMode.Standard, pod => pod == recreated.Ref ? "uid-db-new" : null);
            node.RegisterUnattached(later, 900_003, EnforcingMode.Standard); // set up since the start, not yet listed

            IReadOnlyList<ObjectRef> removed = pods.RemoveStalePods(new HashSet<ObjectRef> { kept.Ref, recreated.Ref });

            Assert.Equal(new[] { gone.Ref, recreated.Ref }.ToHashSet(), removed.ToHashSet());
            Assert.Equal(new[] { kept, later }.ToHashSet(), node.Pods().Select(p => p.Pod).ToHashSet());
            using NodeEnforcer reopened = NodeEnforcer.OpenExisting(root);
            Assert.DoesNotContain(gone, reopened.Pods().Select(p => p.Pod));
        }
        finally
        {
            NodeEnforcer.DeleteRoot(root);
        }
    }
}
