namespace Npa.Resolver.Model;

/// <summary>A Namespace as the resolver needs it: its name and labels.</summary>
public sealed record NamespaceInfo(string Name, IReadOnlyDictionary<string, string> Labels);
