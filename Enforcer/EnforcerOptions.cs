using Npa.Enforcer.PinnedState;

namespace Npa.Enforcer;

/// <summary>Settings of a <see cref="NodeEnforcer"/>.</summary>
public sealed record EnforcerOptions
{
    /// <summary>bpffs directory holding maps/, progs/ and links/. Tests use a unique one.</summary>
    public string BpffsRoot { get; init; } = "/sys/fs/bpf/npa";

    /// <summary>The compiled pod programs; by default the copy next to the Enforcer assembly.</summary>
    public string ObjectPath { get; init; } =
        Path.Combine(Path.GetDirectoryName(typeof(EnforcerOptions).Assembly.Location) ?? AppContext.BaseDirectory, MapNames.ObjectFile);

    /// <summary>Entries of the conntrack LRU map (the EKS agent's default is 524288). Fixed once the map is pinned.</summary>
    public uint ConntrackEntries { get; init; } = 524288;

    /// <summary>
    /// Entries of the rule name map npa_rule_names_v1 (rule ids of verdict events; one entry keeps the
    /// high-water mark). Fixed once the map is pinned: an adopted map keeps its size.
    /// </summary>
    public uint RuleNameEntries { get; init; } = Rules.RuleIdRegistry.DefaultMapEntries;

    /// <summary>Fall back to tc clsact when the kernel refuses tcx links.</summary>
    public bool AllowTcFallback { get; init; } = true;

    /// <summary>Attach with tc clsact even where tcx works (kernels before 6.6, or coexistence with tc tooling).</summary>
    public bool PreferTcClsact { get; init; }
}
