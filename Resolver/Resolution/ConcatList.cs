using System.Collections;

namespace Npa.Resolver.Resolution;

/// <summary>A read-only view of several lists one after the other, so pods share their policies' rule lists instead of copying them.</summary>
internal sealed class ConcatList<T> : IReadOnlyList<T>
{
    private readonly IReadOnlyList<T>[] _parts;
    private readonly int[] _starts;

    private ConcatList(IReadOnlyList<T>[] parts)
    {
        _parts = parts;
        _starts = new int[parts.Length];
        int total = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            _starts[i] = total;
            total += parts[i].Count;
        }

        Count = total;
    }

    public int Count { get; }

    public T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            int i = Array.BinarySearch(_starts, index);
            if (i < 0)
            {
                i = ~i - 1;
            }

            while (_parts[i].Count == 0 || index - _starts[i] >= _parts[i].Count)
            {
                i++;
            }

            return _parts[i][index - _starts[i]];
        }
    }

    /// <summary>True when both lists hold the same elements; lists built from the same parts compare by reference, part by part.</summary>
    public static bool SameElements(IReadOnlyList<T> a, IReadOnlyList<T> b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        if (a is ConcatList<T> x && b is ConcatList<T> y && x._parts.Length == y._parts.Length)
        {
            // Same shape: compare part by part, so only parts that were rebuilt are compared entry by entry.
            bool aligned = true;
            for (int i = 0; aligned && i < x._parts.Length; i++)
            {
                aligned = x._parts[i].Count == y._parts[i].Count;
            }

            if (aligned)
            {
                for (int i = 0; i < x._parts.Length; i++)
                {
                    if (!ReferenceEquals(x._parts[i], y._parts[i]) && !SameItems(x._parts[i], y._parts[i]))
                    {
                        return false;
                    }
                }

                return true;
            }
        }

        return SameItems(a, b);
    }

    /// <summary>Element-wise equality of two lists of equal length, by index (no enumerator allocations).</summary>
    private static bool SameItems(IReadOnlyList<T> a, IReadOnlyList<T> b)
    {
        if (a is ConcatList<T> x)
        {
            int offset = 0;
            foreach (IReadOnlyList<T> part in x._parts)
            {
                if (!SameRange(part, b, offset))
                {
                    return false;
                }

                offset += part.Count;
            }

            return true;
        }

        return SameRange(a, b, 0);
    }

    /// <summary>True when <paramref name="part"/> equals the elements of <paramref name="whole"/> from <paramref name="offset"/> on.</summary>
    private static bool SameRange(IReadOnlyList<T> part, IReadOnlyList<T> whole, int offset)
    {
        EqualityComparer<T> comparer = EqualityComparer<T>.Default;
        for (int i = 0; i < part.Count; i++)
        {
            if (!comparer.Equals(part[i], whole[offset + i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The parts joined; a single non-empty part is returned as it is.</summary>
    public static IReadOnlyList<T> Of(List<IReadOnlyList<T>> parts)
    {
        IReadOnlyList<T>[] nonEmpty = parts.Where(p => p.Count > 0).ToArray();
        return nonEmpty.Length switch
        {
            0 => Array.Empty<T>(),
            1 => nonEmpty[0],
            _ => new ConcatList<T>(nonEmpty),
        };
    }

    public IEnumerator<T> GetEnumerator()
    {
        foreach (IReadOnlyList<T> part in _parts)
        {
            for (int i = 0; i < part.Count; i++)
            {
                yield return part[i];
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
