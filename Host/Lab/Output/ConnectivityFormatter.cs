using System.Text;
using System.Text.Json;

namespace Npa.Host.Lab.Output;

/// <summary>Prints a <see cref="ConnectivityReport"/> as JSON (the <c>matrix</c> shape) or as tables.</summary>
public static class ConnectivityFormatter
{
    public static string Json(ConnectivityReport report)
    {
        using MemoryStream ms = new();
        using (Utf8JsonWriter w = new(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("probes");
            foreach (ConnectivityProbe p in report.Probes)
            {
                w.WriteStartObject();
                w.WriteString("protocol", p.Port.Protocol.ToString().ToUpperInvariant());
                w.WriteString("port", p.Port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteStartObject("matrix");
                foreach ((string from, IReadOnlyDictionary<string, bool?> row) in p.Matrix)
                {
                    w.WriteStartObject(from);
                    foreach ((string to, bool? v) in row)
                    {
                        if (v is null)
                        {
                            w.WriteNull(to);
                        }
                        else
                        {
                            w.WriteBoolean(to, v.Value);
                        }
                    }

                    w.WriteEndObject();
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("diagnostics");
            foreach (string d in report.Diagnostics)
            {
                w.WriteStringValue(d);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    /// <summary>One table per probe: rows are sources, columns destinations; "." reached, "X" blocked, "?" not probed.</summary>
    public static string Table(ConnectivityReport report)
    {
        StringBuilder b = new();
        foreach (ConnectivityProbe p in report.Probes)
        {
            List<string> pods = [.. p.Matrix.Keys];
            int width = Math.Max(4, pods.Count == 0 ? 0 : pods.Max(s => s.Length));
            b.Append(p.Port).Append(" (rows: from, columns: to; . reached, X blocked, ? not probed)\n");
            b.Append(new string(' ', width + 4));
            for (int i = 0; i < pods.Count; i++)
            {
                b.Append(' ').Append((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(2));
            }

            b.Append('\n');
            for (int i = 0; i < pods.Count; i++)
            {
                b.Append(((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + pods[i]).PadRight(width + 4));
                foreach (string to in pods)
                {
                    bool? v = p.Matrix[pods[i]].TryGetValue(to, out bool? x) ? x : null;
                    b.Append("  ").Append(v switch { true => '.', false => 'X', null => '?' });
                }

                b.Append('\n');
            }

            b.Append('\n');
        }

        foreach (string d in report.Diagnostics)
        {
            b.Append("note: ").Append(d).Append('\n');
        }

        return b.ToString();
    }
}
