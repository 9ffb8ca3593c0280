using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Npa.Ingest.Manifests;

/// <summary>
/// Turns YAML documents into JSON trees with Kubernetes' scalar typing: plain scalars that look
/// like integers, floats, booleans or null become those; quoted scalars stay strings.
/// </summary>
internal static class YamlToJson
{
    public static IEnumerable<(JsonNode? Node, int Line)> Documents(string text)
    {
        YamlStream stream = [];
        stream.Load(new StringReader(text));
        foreach (YamlDocument doc in stream.Documents)
        {
            yield return (Convert(doc.RootNode), (int)doc.RootNode.Start.Line);
        }
    }

    private static JsonNode? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                JsonObject obj = [];
                foreach (KeyValuePair<YamlNode, YamlNode> kv in map.Children)
                {
                    string key = kv.Key is YamlScalarNode k ? k.Value ?? "" : kv.Key.ToString();
                    if (key == "<<")
                    {
                        throw new YamlException(kv.Key.Start, kv.Key.End, "YAML merge keys ('<<') are not supported");
                    }

                    obj[key] = Convert(kv.Value);
                }

                return obj;
            case YamlSequenceNode seq:
                JsonArray arr = [];
                foreach (YamlNode child in seq.Children)
                {
                    arr.Add(Convert(child));
                }

                return arr;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new YamlException(node.Start, node.End, $"unsupported YAML node {node.NodeType}");
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        string value = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
        {
            return JsonValue.Create(l);
        }

        if (value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] is '-' or '+' or '.') &&
            double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(value);
    }
}
