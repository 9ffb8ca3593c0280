namespace Npa.FlowLogs.Enrichment;

/// <summary>A pod's namespace and name as flow logs print them. Its hash is computed once (it keys per-event lookups).</summary>
public sealed record PodIdentity(string Namespace, string Name)
{
    private int _hash;

    public bool Equals(PodIdentity? other) =>
        other is not null && (ReferenceEquals(this, other) || (GetHashCode() == other.GetHashCode() && Namespace == other.Namespace && Name == other.Name));

    public override int GetHashCode()
    {
        int h = _hash;
        if (h == 0)
        {
            h = HashCode.Combine(Namespace, Name) | 1;
            _hash = h;
        }

        return h;
    }

    public override string ToString() => $"{Namespace}/{Name}";
}
