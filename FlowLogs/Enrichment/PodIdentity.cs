namespace Npa.FlowLogs.Enrichment;

/// <summary>A pod's namespace and name as flow logs print them.</summary>
public sealed record PodIdentity(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}
