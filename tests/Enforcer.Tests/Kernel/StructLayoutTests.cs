using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Npa.Enforcer.Maps;
using Npa.Enforcer.Native;
using Npa.Enforcer.PinnedState;

namespace Npa.Enforcer.Tests.Kernel;

/// <summary>The C# mirrors have the sizes the kernel reports for the maps created from the compiled object.</summary>
public sealed class StructLayoutTests : IDisposable
{
    private readonly TestRoot _root = new("l");

    public void Dispose() => _root.Dispose();

    public static TheoryData<string, int, int> Maps => new()
    {
        { MapNames.Pods, sizeof(uint), Unsafe.SizeOf<NpaPodState>() },
        { MapNames.IngressLpm4, Unsafe.SizeOf<NpaLpm4Key>(), sizeof(uint) },
        { MapNames.EgressLpm4, Unsafe.SizeOf<NpaLpm4Key>(), sizeof(uint) },
        { MapNames.IngressLpm6, Unsafe.SizeOf<NpaLpm6Key>(), sizeof(uint) },
        { MapNames.EgressLpm6, Unsafe.SizeOf<NpaLpm6Key>(), sizeof(uint) },
        { MapNames.IngressPorts, Unsafe.SizeOf<NpaPortKey>(), sizeof(uint) },
        { MapNames.EgressPorts, Unsafe.SizeOf<NpaPortKey>(), sizeof(uint) },
        { MapNames.Conntrack, Unsafe.SizeOf<NpaCtKey>(), Unsafe.SizeOf<NpaCtValue>() },
        { MapNames.PodKeys, sizeof(uint), Unsafe.SizeOf<NpaPodRecord>() },
        { MapNames.RuleNames, sizeof(uint), Unsafe.SizeOf<NpaRuleName>() },
    };

    [KernelFact]
    public unsafe void EveryMapKeyAndValue_MatchesItsMirror()
    {
        foreach (object[] row in Maps)
        {
            string name = (string)row[0];
            BpfMapInfoPrefix info = default;
            uint len = (uint)sizeof(BpfMapInfoPrefix);
            BpfException.Check(LibBpf.bpf_obj_get_info_by_fd(_root.Enforcer.MapFd(name).Fd, &info, &len), "map info");
            Assert.True((int)row[1] == (int)info.KeySize, $"{name}: key {info.KeySize} bytes in the kernel, {row[1]} in C#");
            Assert.True((int)row[2] == (int)info.ValueSize, $"{name}: value {info.ValueSize} bytes in the kernel, {row[2]} in C#");
        }
    }

    [KernelFact]
    public unsafe void BatchedRead_ReturnsTheSameEntriesAsKeyByKey()
    {
        using BpfMap<NpaCtKey, NpaCtValue> ct = new(PinnedObjects.Get(Path.Combine(_root.Path, "maps", MapNames.Conntrack)), "ct");
        for (int i = 0; i < 50; i++)
        {
            NpaCtKey key = new() { PodId = 1, Protocol = 6, Family = 4, SrcPort = (ushort)(1000 + i) };
            ct.Update(key, new NpaCtValue { RuleId = (uint)i });
        }

        var byKey = ct.Entries().Select(e => (e.Key.SrcPort, e.Value.RuleId)).Order().ToList();
        var batched = ct.EntriesBatched(chunk: 7).Select(e => (e.Key.SrcPort, e.Value.RuleId)).Order().ToList();
        Assert.Equal(50, byKey.Count);
        Assert.Equal(byKey, batched);
    }

    [Fact]
    public void FlowEvent_HasTheFixedLayoutOfNpaEventH()
    {
        Assert.Equal(64, Unsafe.SizeOf<NpaFlowEvent>());
        Assert.Equal(8, (int)Marshal.OffsetOf<NpaFlowEvent>(nameof(NpaFlowEvent.SrcIp)));
        Assert.Equal(24, (int)Marshal.OffsetOf<NpaFlowEvent>(nameof(NpaFlowEvent.DstIp)));
        Assert.Equal(40, (int)Marshal.OffsetOf<NpaFlowEvent>(nameof(NpaFlowEvent.SrcPort)));
        Assert.Equal(44, (int)Marshal.OffsetOf<NpaFlowEvent>(nameof(NpaFlowEvent.Protocol)));
        Assert.Equal(48, (int)Marshal.OffsetOf<NpaFlowEvent>(nameof(NpaFlowEvent.RuleId)));
        Assert.Equal(60, (int)Marshal.OffsetOf<NpaFlowEvent>(nameof(NpaFlowEvent.Reason)));
    }

    [Fact]
    public void LibbpfOptionStructs_HaveTheirLibbpf11Sizes()
    {
        Assert.Equal(24, Unsafe.SizeOf<BpfTcHook>());
        Assert.Equal(32, Unsafe.SizeOf<BpfTcOpts>());
        Assert.Equal(80, Unsafe.SizeOf<BpfTestRunOpts>());
    }
}
