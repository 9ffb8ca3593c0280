using MessagePack;

namespace Npa.Ingest.Journal;

/// <summary>Journal form of <see cref="Npa.Resolver.Model.NetworkPolicySpec"/>.</summary>
[MessagePackObject]
public sealed class PolicyDto
{
    [Key(0)]
    public string Namespace { get; set; } = "";

    [Key(1)]
    public string Name { get; set; } = "";

    [Key(2)]
    public string Uid { get; set; } = "";

    [Key(3)]
    public SelectorDto PodSelector { get; set; } = new();

    /// <summary><see cref="Npa.Resolver.Model.PolicyTypes"/> flags.</summary>
    [Key(4)]
    public int PolicyTypes { get; set; }

    [Key(5)]
    public List<RuleDto> Ingress { get; set; } = [];

    [Key(6)]
    public List<RuleDto> Egress { get; set; } = [];
}

/// <summary>Journal form of <see cref="Npa.Resolver.Model.LabelSelector"/>.</summary>
[MessagePackObject]
public sealed class SelectorDto
{
    [Key(0)]
    public Dictionary<string, string> MatchLabels { get; set; } = [];

    [Key(1)]
    public List<RequirementDto> MatchExpressions { get; set; } = [];
}

/// <summary>Journal form of <see cref="Npa.Resolver.Model.SelectorRequirement"/>.</summary>
[MessagePackObject]
public sealed class RequirementDto
{
    [Key(0)]
    public string Key { get; set; } = "";

    [Key(1)]
    public byte Operator { get; set; }

    [Key(2)]
    public List<string> Values { get; set; } = [];
}

/// <summary>Journal form of <see cref="Npa.Resolver.Model.PolicyRule"/>.</summary>
[MessagePackObject]
public sealed class RuleDto
{
    [Key(0)]
    public List<PeerDto> Peers { get; set; } = [];

    [Key(1)]
    public List<PortDto> Ports { get; set; } = [];
}

/// <summary>Journal form of <see cref="Npa.Resolver.Model.PolicyPeer"/>.</summary>
[MessagePackObject]
public sealed class PeerDto
{
    [Key(0)]
    public SelectorDto? PodSelector { get; set; }

    [Key(1)]
    public SelectorDto? NamespaceSelector { get; set; }

    [Key(2)]
    public string? Cidr { get; set; }

    [Key(3)]
    public List<string> Except { get; set; } = [];
}

/// <summary>Journal form of <see cref="Npa.Resolver.Model.PolicyPort"/>.</summary>
[MessagePackObject]
public sealed class PortDto
{
    [Key(0)]
    public byte Protocol { get; set; }

    [Key(1)]
    public int? Port { get; set; }

    [Key(2)]
    public string? NamedPort { get; set; }

    [Key(3)]
    public int? EndPort { get; set; }
}
