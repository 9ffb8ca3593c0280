using Npa.Resolver.Model;

namespace Npa.Resolver.Selection;

/// <summary>
/// Namespaced objects of one kind, by identity and by namespace (ordinal name order), so enumeration never
/// depends on the order objects arrived in.
/// </summary>
internal sealed class NamespacedStore<T>
    where T : class
{
    private readonly Dictionary<ObjectRef, T> _byRef = new();
    private readonly SortedDictionary<string, SortedDictionary<string, T>> _byNamespace = new(StringComparer.Ordinal);

    public int Count => _byRef.Count;

    public IReadOnlyDictionary<ObjectRef, T> ByRef => _byRef;

    /// <summary>Namespaces holding at least one object, in ordinal order.</summary>
    public IEnumerable<string> Namespaces => _byNamespace.Keys;

    /// <summary>Every object, ordered by namespace then name.</summary>
    public IEnumerable<T> Values => _byNamespace.Values.SelectMany(p => p.Values);

    public T? Get(ObjectRef key) => _byRef.GetValueOrDefault(key);

    public IEnumerable<T> In(string ns) =>
        _byNamespace.TryGetValue(ns, out SortedDictionary<string, T>? inner) ? inner.Values : [];

    /// <summary>Adds or replaces the object at <paramref name="key"/>; returns the previous version.</summary>
    public T? Upsert(ObjectRef key, T value)
    {
        _byRef.TryGetValue(key, out T? old);
        _byRef[key] = value;
        if (!_byNamespace.TryGetValue(key.Namespace, out SortedDictionary<string, T>? inner))
        {
            inner = new SortedDictionary<string, T>(StringComparer.Ordinal);
            _byNamespace[key.Namespace] = inner;
        }

        inner[key.Name] = value;
        return old;
    }

    /// <summary>Removes the object at <paramref name="key"/>; returns it, or null when there was none.</summary>
    public T? Remove(ObjectRef key)
    {
        if (!_byRef.Remove(key, out T? old))
        {
            return null;
        }

        if (_byNamespace.TryGetValue(key.Namespace, out SortedDictionary<string, T>? inner) && inner.Remove(key.Name) && inner.Count == 0)
        {
            _byNamespace.Remove(key.Namespace);
        }

        return old;
    }
}
