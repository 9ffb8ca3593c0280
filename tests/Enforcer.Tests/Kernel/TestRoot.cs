namespace Npa.Enforcer.Tests.Kernel;

/// <summary>A unique bpffs root with an open enforcer; everything under it is removed on dispose.</summary>
internal sealed class TestRoot : IDisposable
{
    private readonly bool _tc;
    private readonly uint _ruleNameEntries;

    public TestRoot(string prefix = "t", bool preferTc = false, uint ruleNameEntries = Npa.Enforcer.Rules.RuleIdRegistry.DefaultMapEntries)
    {
        _tc = preferTc;
        _ruleNameEntries = ruleNameEntries;
        Path = $"/sys/fs/bpf/npaenf-{prefix}-{Guid.NewGuid():N}"[..40];
        Enforcer = NodeEnforcer.Open(Options);
    }

    public string Path { get; }

    public EnforcerOptions Options => new() { BpffsRoot = Path, ConntrackEntries = 4096, PreferTcClsact = _tc, RuleNameEntries = _ruleNameEntries };

    public NodeEnforcer Enforcer { get; private set; }

    /// <summary>Closes the enforcer (as a crash would) and opens the same root again.</summary>
    public NodeEnforcer Reopen()
    {
        Enforcer.Dispose();
        Enforcer = NodeEnforcer.Open(Options);
        return Enforcer;
    }

    public void Dispose()
    {
        Enforcer.Dispose();
        NodeEnforcer.DeleteRoot(Path);
    }
}
