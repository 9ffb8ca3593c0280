using MessagePack;

namespace Npa.Ingest.Journal;

/// <summary>Journal form of <see cref="Npa.Resolver.Model.PodInfo"/>; addresses as text.</summary>
[MessagePackObject]
public sealed class PodDto
{
    [Key(0)]
    public string Namespace { get; set; } = "";

    [Key(1)]
    public string Name { get; set; } = "";

    [Key(2)]
    public string Uid { get; set; } = "";

    [Key(3)]
    public Dictionary<string, string> Labels { get; set; } = [];

    [Key(4)]
    public List<string> Ips { get; set; } = [];

    [Key(5)]
    public List<ContainerPortDto> Ports { get; set; } = [];

    [Key(6)]
    public string? NodeName { get; set; }

    [Key(7)]
    public string? HostIp { get; set; }

    [Key(8)]
    public bool HostNetwork { get; set; }
}

/// <summary>Journal form of <see cref="Npa.Resolver.Model.ContainerPort"/>.</summary>
[MessagePackObject]
public sealed class ContainerPortDto
{
    [Key(0)]
    public string? Name { get; set; }

    [Key(1)]
    public int Port { get; set; }

    [Key(2)]
    public byte Protocol { get; set; }
}
