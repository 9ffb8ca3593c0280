namespace Npa.Resolver.Model;

/// <summary>Operator of a label selector requirement (metav1.LabelSelectorOperator).</summary>
public enum SelectorOperator
{
    Unknown = 0,
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// <summary>One <c>matchExpressions</c> entry.</summary>
public sealed record SelectorRequirement(string Key, SelectorOperator Operator, IReadOnlyList<string> Values);

/// <summary>
/// A metav1.LabelSelector. An empty selector (no labels, no expressions) matches everything.
/// Whether a selector is present at all is modelled by the caller with <c>null</c>.
/// </summary>
public sealed record LabelSelector(
    IReadOnlyDictionary<string, string> MatchLabels,
    IReadOnlyList<SelectorRequirement> MatchExpressions)
{
    public static LabelSelector Everything { get; } =
        new(new Dictionary<string, string>(), Array.Empty<SelectorRequirement>());

    public bool IsEmpty => MatchLabels.Count == 0 && MatchExpressions.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (MatchLabels.Count > 0)
        {
            // Enumerate the concrete dictionary when there is one: selectors are matched on every pod change.
            if (MatchLabels is Dictionary<string, string> concrete)
            {
                foreach (KeyValuePair<string, string> kv in concrete)
                {
                    if (!labels.TryGetValue(kv.Key, out string? v) || v != kv.Value)
                    {
                        return false;
                    }
                }
            }
            else
            {
                foreach (KeyValuePair<string, string> kv in MatchLabels)
                {
                    if (!labels.TryGetValue(kv.Key, out string? v) || v != kv.Value)
                    {
                        return false;
                    }
                }
            }
        }

        for (int i = 0; i < MatchExpressions.Count; i++)
        {
            SelectorRequirement r = MatchExpressions[i];
            bool has = labels.TryGetValue(r.Key, out string? value);
            bool ok = r.Operator switch
            {
                SelectorOperator.In => has && r.Values.Contains(value!),
                SelectorOperator.NotIn => !has || !r.Values.Contains(value!),
                SelectorOperator.Exists => has,
                SelectorOperator.DoesNotExist => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(LabelSelector? other) =>
        other is not null &&
        MatchLabels.Count == other.MatchLabels.Count &&
        MatchLabels.All(kv => other.MatchLabels.TryGetValue(kv.Key, out string? v) && v == kv.Value) &&
        MatchExpressions.Count == other.MatchExpressions.Count &&
        MatchExpressions.Zip(other.MatchExpressions).All(p =>
            p.First.Key == p.Second.Key && p.First.Operator == p.Second.Operator &&
            p.First.Values.SequenceEqual(p.Second.Values));

    public override int GetHashCode() => HashCode.Combine(MatchLabels.Count, MatchExpressions.Count);

    public override string ToString()
    {
        IEnumerable<string> parts = MatchLabels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")
            .Concat(MatchExpressions.Select(e => e.Operator switch
            {
                SelectorOperator.Exists => e.Key,
                SelectorOperator.DoesNotExist => "!" + e.Key,
                SelectorOperator.In => $"{e.Key} in ({string.Join(",", e.Values)})",
                SelectorOperator.NotIn => $"{e.Key} notin ({string.Join(",", e.Values)})",
                _ => e.Key + " ?",
            }));
        string s = string.Join(",", parts);
        return s.Length == 0 ? "{}" : s;
    }
}
