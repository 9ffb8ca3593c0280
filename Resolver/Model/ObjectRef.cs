namespace Npa.Resolver.Model;

/// <summary>Identity of a namespaced object: "namespace/name".</summary>
public readonly record struct ObjectRef(string Namespace, string Name) : IComparable<ObjectRef>
{
    public int CompareTo(ObjectRef other)
    {
        int c = string.CompareOrdinal(Namespace, other.Namespace);
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }

    public static bool TryParse(string? text, out ObjectRef value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == text.Length - 1 || text.IndexOf('/', slash + 1) >= 0)
        {
            return false;
        }

        value = new ObjectRef(text[..slash], text[(slash + 1)..]);
        return true;
    }

    public override string ToString() => $"{Namespace}/{Name}";
}
