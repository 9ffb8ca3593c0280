using System.Text.Json.Nodes;
using Npa.Resolver.Model;

namespace Npa.Ingest.Translation;

/// <summary>metav1.LabelSelector from JSON, validated as the API server validates it.</summary>
internal static class SelectorTranslator
{
    public static LabelSelector? Translate(JsonNode? node, string field, FieldErrors errors)
    {
        JsonObject? obj = errors.OptionalObject(node, field);
        if (obj is null)
        {
            return null;
        }

        bool ok = true;
        Dictionary<string, string> labels = errors.StringMap(obj["matchLabels"], $"{field}.matchLabels");
        foreach (KeyValuePair<string, string> kv in labels)
        {
            ok &= LabelSyntax.CheckKey(kv.Key, $"{field}.matchLabels", errors);
            ok &= LabelSyntax.CheckValue(kv.Value, $"{field}.matchLabels.{kv.Key}", errors);
        }

        List<SelectorRequirement> requirements = [];
        JsonArray? exprs = errors.OptionalArray(obj["matchExpressions"], $"{field}.matchExpressions");
        for (int i = 0; exprs is not null && i < exprs.Count; i++)
        {
            string at = $"{field}.matchExpressions[{i}]";
            JsonObject? e = errors.OptionalObject(exprs[i], at);
            if (e is null)
            {
                ok = false;
                continue;
            }

            string? key = errors.OptionalString(e["key"], $"{at}.key");
            string? op = errors.OptionalString(e["operator"], $"{at}.operator");
            List<string> values = [];
            JsonArray? vals = errors.OptionalArray(e["values"], $"{at}.values");
            for (int j = 0; vals is not null && j < vals.Count; j++)
            {
                string? v = errors.OptionalString(vals[j], $"{at}.values[{j}]");
                if (v is null)
                {
                    ok = false;
                    continue;
                }

                ok &= LabelSyntax.CheckValue(v, $"{at}.values[{j}]", errors);
                values.Add(v);
            }

            if (string.IsNullOrEmpty(key))
            {
                errors.Error($"{at}.key", "is required");
                ok = false;
                continue;
            }

            ok &= LabelSyntax.CheckKey(key, $"{at}.key", errors);
            SelectorOperator parsed = op switch
            {
                "In" => SelectorOperator.In,
                "NotIn" => SelectorOperator.NotIn,
                "Exists" => SelectorOperator.Exists,
                "DoesNotExist" => SelectorOperator.DoesNotExist,
                _ => SelectorOperator.Unknown,
            };
            switch (parsed)
            {
                case SelectorOperator.Unknown:
                    errors.Error($"{at}.operator", $"'{op}' is not a valid selector operator (In, NotIn, Exists, DoesNotExist)");
                    ok = false;
                    break;
                case SelectorOperator.In or SelectorOperator.NotIn when values.Count == 0:
                    errors.Error($"{at}.values", $"must be non-empty when operator is {op}");
                    ok = false;
                    break;
                case SelectorOperator.Exists or SelectorOperator.DoesNotExist when values.Count > 0:
                    errors.Error($"{at}.values", $"must be empty when operator is {op}");
                    ok = false;
                    break;
                default:
                    break;
            }

            requirements.Add(new SelectorRequirement(key, parsed, values));
        }

        return ok ? new LabelSelector(labels, requirements) : null;
    }
}
