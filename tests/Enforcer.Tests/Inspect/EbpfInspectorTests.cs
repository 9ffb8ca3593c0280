using System.Net;
using Npa.Enforcer.Inspect;
using Npa.Enforcer.Maps;
using Npa.Enforcer.Rules;
using Npa.Enforcer.Tests.Kernel;
using Npa.Resolver.MapState;
using Npa.Resolver.Model;
using static Npa.Tests.Shared.Builders.PodPolicies;

namespace Npa.Enforcer.Tests.Inspect;

public sealed class EbpfInspectorTests
{
    [Fact]
    public void Dump_DecodesPortBlocksBackIntoRangesWithRuleNames()
    {
        RuleIdRegistry rules = RuleIdRegistry.InMemory();
        PodPolicy policy = Ingress(
            Allow("10.1.0.0/16", new L4Match(Protocol.Tcp, 1000, 2047), 0, "web"),
            Allow("10.1.2.0/24", L4Match.Any, 1, "web"),
            Allow("10.0.0.0/8", Udp(53), 2, "dns", "10.9.0.0/16"));
        LpmPodState state = LpmCompiler.Compile(policy, rules.GetOrAdd);

        string text = string.Join('\n', EbpfInspector.Describe(state, PodDirectionMode.Enforce, PodDirectionMode.Allow, rules));

        Assert.Contains("Tcp 1000-2047", text);
        Assert.Contains("default/web ingress[0] (10.1.0.0/16)", text);
        Assert.Contains("any protocol", text);
        Assert.Contains("10.9.0.0/16", text);
        Assert.Contains("no rule (except hole)", text);
        Assert.Contains("egress: Allow", text);
    }

    [KernelFact]
    public void Views_ListProgramsMapsPodsAndConntrack()
    {
        using TestRoot root = new("i");
        PodKey pod = new("shop", "cart", "u-1");
        root.Enforcer.RegisterUnattached(pod, TestRun.TestIfIndex, EnforcingMode.Standard);
        root.Enforcer.Apply(pod, Ingress(Allow("10.1.0.0/16", Tcp(80))));
        Assert.True(TestRun.Passes(root.Enforcer, Direction.Ingress,
            Packets.Build(IPAddress.Parse("10.1.0.1"), IPAddress.Parse("10.0.0.10"), Protocol.Tcp, 40000, 80)));

        Assert.Contains(EbpfInspector.Programs(root.Enforcer), l => l.StartsWith("npa_pod_ingress_v1", StringComparison.Ordinal));
        Assert.Contains(EbpfInspector.Maps(root.Enforcer), l => l.StartsWith("npa_ing_lpm4_v1", StringComparison.Ordinal) && l.TrimEnd().EndsWith(" 1", StringComparison.Ordinal));
        Assert.Contains(EbpfInspector.Maps(root.Enforcer), l => l.StartsWith($"rule ids: 1 held of {root.Enforcer.RuleIds.Capacity} ", StringComparison.Ordinal));
        Assert.Contains(EbpfInspector.Pods(root.Enforcer), l => l.Contains("shop/cart/u-1", StringComparison.Ordinal) && l.Contains("Enforce", StringComparison.Ordinal));
        Assert.Contains(EbpfInspector.Conntrack(root.Enforcer), l => l.Contains("10.1.0.1:40000", StringComparison.Ordinal) && l.Contains("shop/cart/u-1", StringComparison.Ordinal));
        Assert.Contains(EbpfInspector.Dump(root.Enforcer, pod), l => l.Contains("Tcp 80", StringComparison.Ordinal));
    }
}
