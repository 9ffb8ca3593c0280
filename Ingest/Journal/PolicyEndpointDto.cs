using MessagePack;

namespace Npa.Ingest.Journal;

/// <summary>Journal form of <see cref="Npa.Resolver.Model.PolicyEndpointSpec"/>.</summary>
[MessagePackObject]
public sealed class PolicyEndpointDto
{
    [Key(0)]
    public string Namespace { get; set; } = "";

    [Key(1)]
    public string Name { get; set; } = "";

    [Key(2)]
    public string GenerateName { get; set; } = "";

    [Key(3)]
    public string PolicyRefName { get; set; } = "";

    [Key(4)]
    public string PolicyRefNamespace { get; set; } = "";

    [Key(5)]
    public SelectorDto? PodSelector { get; set; }

    /// <summary><see cref="Npa.Resolver.Model.Direction"/> values.</summary>
    [Key(6)]
    public List<byte> PodIsolation { get; set; } = [];

    [Key(7)]
    public List<PodEndpointDto> PodSelectorEndpoints { get; set; } = [];

    [Key(8)]
    public List<EndpointInfoDto> Ingress { get; set; } = [];

    [Key(9)]
    public List<EndpointInfoDto> Egress { get; set; } = [];

    [Key(10)]
    public string OwnerUid { get; set; } = "";
}

/// <summary>Journal form of <see cref="Npa.Resolver.Model.PodEndpoint"/>.</summary>
[MessagePackObject]
public sealed class PodEndpointDto
{
    [Key(0)]
    public string HostIp { get; set; } = "";

    [Key(1)]
    public string PodIp { get; set; } = "";

    [Key(2)]
    public string Name { get; set; } = "";

    [Key(3)]
    public string Namespace { get; set; } = "";
}

/// <summary>Journal form of <see cref="Npa.Resolver.Model.EndpointInfo"/>.</summary>
[MessagePackObject]
public sealed class EndpointInfoDto
{
    [Key(0)]
    public string Cidr { get; set; } = "";

    [Key(1)]
    public List<string> Except { get; set; } = [];

    [Key(2)]
    public List<EndpointPortDto> Ports { get; set; } = [];
}

/// <summary>Journal form of <see cref="Npa.Resolver.Model.EndpointPort"/>.</summary>
[MessagePackObject]
public sealed class EndpointPortDto
{
    [Key(0)]
    public byte Protocol { get; set; }

    [Key(1)]
    public int? Port { get; set; }

    [Key(2)]
    public int? EndPort { get; set; }
}
