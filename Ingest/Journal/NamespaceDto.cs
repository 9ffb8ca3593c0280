using MessagePack;

namespace Npa.Ingest.Journal;

/// <summary>Journal form of <see cref="Npa.Resolver.Model.NamespaceInfo"/>.</summary>
[MessagePackObject]
public sealed class NamespaceDto
{
    [Key(0)]
    public string Name { get; set; } = "";

    [Key(1)]
    public Dictionary<string, string> Labels { get; set; } = [];
}
