using MessagePack;

namespace Npa.Ingest.Journal;

/// <summary>Journal form of <see cref="Npa.Resolver.Model.ServiceInfo"/>.</summary>
[MessagePackObject]
public sealed class ServiceDto
{
    [Key(0)]
    public string Namespace { get; set; } = "";

    [Key(1)]
    public string Name { get; set; } = "";

    [Key(2)]
    public List<string> ClusterIps { get; set; } = [];

    /// <summary>Null: the Service has no selector.</summary>
    [Key(3)]
    public Dictionary<string, string>? Selector { get; set; }

    [Key(4)]
    public List<ServicePortDto> Ports { get; set; } = [];
}

/// <summary>Journal form of <see cref="Npa.Resolver.Model.ServicePort"/>.</summary>
[MessagePackObject]
public sealed class ServicePortDto
{
    [Key(0)]
    public string? Name { get; set; }

    [Key(1)]
    public byte Protocol { get; set; }

    [Key(2)]
    public int Port { get; set; }

    [Key(3)]
    public int? TargetPort { get; set; }

    [Key(4)]
    public string? TargetPortName { get; set; }
}
