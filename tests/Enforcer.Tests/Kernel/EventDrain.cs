using System.Runtime.InteropServices;
using Npa.Enforcer.Maps;
using Npa.Enforcer.Native;
using Npa.Enforcer.PinnedState;

namespace Npa.Enforcer.Tests.Kernel;

/// <summary>Reads every verdict event waiting in a root's npa_events_v1 (test helper).</summary>
internal sealed unsafe class EventDrain : IDisposable
{
    private readonly nint _rb;
    private readonly GCHandle _self;
    private readonly List<NpaFlowEvent> _events = new();

    public EventDrain(NodeEnforcer enforcer)
    {
        _self = GCHandle.Alloc(this);
        _rb = LibBpf.ring_buffer__new(enforcer.MapFd(MapNames.Events).Fd, &OnEvent, GCHandle.ToIntPtr(_self), 0);
        if (_rb == 0)
        {
            throw new BpfException("ring_buffer__new", Marshal.GetLastPInvokeError());
        }
    }

    public List<NpaFlowEvent> Drain()
    {
        _events.Clear();
        _ = LibBpf.ring_buffer__consume(_rb); // the callback collects; the count is not needed
        return new List<NpaFlowEvent>(_events);
    }

    public void Dispose()
    {
        LibBpf.ring_buffer__free(_rb);
        _self.Free();
    }

    [UnmanagedCallersOnly]
    private static int OnEvent(nint ctx, void* data, nuint size)
    {
        EventDrain self = (EventDrain)GCHandle.FromIntPtr(ctx).Target!;
        if ((int)size >= sizeof(NpaFlowEvent))
        {
            self._events.Add(*(NpaFlowEvent*)data);
        }

        return 0;
    }
}
