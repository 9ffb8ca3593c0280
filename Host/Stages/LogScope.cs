using System.Collections;

namespace Npa.Host.Stages;

/// <summary>
/// A log scope of named values: structured loggers (the JSON console) read its pairs as fields, and a
/// text log shows it as <c>Kind=Pod Object=shop/web</c> rather than as the name of a dictionary type.
/// </summary>
internal sealed class LogScope(params KeyValuePair<string, object?>[] values) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => values.Length;

    public KeyValuePair<string, object?> this[int index] => values[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(" ", values.Select(kv => $"{kv.Key}={kv.Value}"));
}
