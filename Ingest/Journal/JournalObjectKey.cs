using Npa.Resolver.Events;

namespace Npa.Ingest.Journal;

/// <summary>Identity of one object in the journal's object set.</summary>
public readonly record struct JournalObjectKey(ResourceKind Kind, string Namespace, string Name) : IComparable<JournalObjectKey>
{
    public int CompareTo(JournalObjectKey other)
    {
        int c = Kind.CompareTo(other.Kind);
        if (c == 0)
        {
            c = string.CompareOrdinal(Namespace, other.Namespace);
        }

        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }

    public override string ToString() =>
        string.IsNullOrEmpty(Namespace) ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";
}
