namespace Npa.Host.Tests.Lab.Kernel;

/// <summary>A test that builds network namespaces: it runs as root on a kernel with netns, and says loudly why not otherwise.</summary>
public sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        if (!File.Exists("/proc/self/ns/net"))
        {
            Skip = "SKIPPED: this kernel has no network namespaces (CONFIG_NET_NS); the lab cannot run";
        }
        else if (Environment.UserName != "root")
        {
            Skip = "SKIPPED: creating network namespaces needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN)";
        }
    }
}

/// <summary>The theory form of <see cref="NetnsFactAttribute"/>.</summary>
public sealed class NetnsTheoryAttribute : TheoryAttribute
{
    public NetnsTheoryAttribute()
    {
        Skip = new NetnsFactAttribute().Skip;
    }
}
