using Microsoft.Win32.SafeHandles;

namespace Npa.Enforcer.Native;

/// <summary>An owned file descriptor of a BPF object (map, program, link); closed on dispose.</summary>
internal sealed class BpfFd : SafeHandleZeroOrMinusOneIsInvalid
{
    public BpfFd(int fd)
        : base(ownsHandle: true)
    {
        SetHandle(fd);
    }

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => LibC.close((int)handle) == 0;
}
