using System.Text;
using System.Text.Json;

namespace Npa.Host.Lab.Output;

/// <summary>Prints a <see cref="ConnectivityReport"/> as JSON (the <c>matrix</c> shape) or as tables.</summary>
public static class ConnectivityFormatter
{
    public static string Json(ConnectivityReport report)
    {
        using MemoryStream ms = new();
        using (Utf8JsonWriter w = new(ms, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            w.WriteString("family", Npa.Resolver.Verdicts.IpFamilies.ToText(report.Family));
            w.WriteStartArray("probes");
            foreach (ConnectivityProbe p in report.Probes)
            {
                w.WriteStartObject();
                w.WriteString("protocol", p.Probe.Protocol.ToString().ToUpperInvariant());
                w.WriteString("port", p.Probe.PortText);
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

    /// <summary>
    /// One table per probe, laid out as <c>npa matrix</c> prints it: rows are sources, columns destinations;
    /// "." reached, "X" blocked, and "?" for a probe that could not run.
    /// </summary>
    public static string Table(ConnectivityReport report)
    {
        StringBuilder text = new();
        foreach (ConnectivityProbe p in report.Probes)
        {
            string[] names = [.. p.Matrix.Keys];
            string corner = p.Probe.ToString();
            int rowWidth = Math.Max(corner.Length, names.DefaultIfEmpty("").Max(n => n.Length));
            text.Append(corner.PadRight(rowWidth));
            foreach (string name in names)
            {
                text.Append(' ').Append(name);
            }

            text.Append('\n');
            int allowed = 0, denied = 0, unknown = 0;
            foreach (string from in names)
            {
                StringBuilder row = new(from.PadRight(rowWidth));
                foreach (string to in names)
                {
                    bool? v = p.Matrix[from].TryGetValue(to, out bool? x) ? x : null;
                    _ = v switch { true => allowed++, false => denied++, null => unknown++ };
                    row.Append(' ').Append((v switch { true => ".", false => "X", null => "?" }).PadRight(to.Length));
                }

                text.Append(row.ToString().TrimEnd()).Append('\n');
            }

            string notProbed = unknown > 0 ? $", {unknown} not probed" : "";
            text.Append($"rows: from, columns: to; '.' reached, 'X' blocked, '?' not probed ({allowed} reached, {denied} blocked{notProbed})\n\n");
        }

        foreach (string d in report.Diagnostics)
        {
            text.Append("note: ").Append(d).Append('\n');
        }

        return text.ToString();
    }
}
