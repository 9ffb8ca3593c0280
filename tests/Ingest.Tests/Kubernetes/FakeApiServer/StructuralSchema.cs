using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Npa.Ingest.Tests.Kubernetes.FakeApiServer;

/// <summary>
/// The OpenAPI v3 schema of one version of a CustomResourceDefinition, and a validator that judges an
/// object the way an API server with a structural schema does: wrong types, missing required fields and
/// values outside an enum are rejected; a field the schema does not declare is pruned (reported here as an
/// error, since a field silently dropped by the server is a field the reader never sees); a null for a
/// field that is not nullable is pruned too. <c>metadata</c> is checked as ObjectMeta (name or
/// generateName, ownerReferences complete), as the server does for every object.
/// </summary>
public sealed class StructuralSchema
{
    private StructuralSchema(JsonObject root, string source)
    {
        Root = root;
        Source = source;
    }

    public JsonObject Root { get; }

    public string Source { get; }

    /// <summary>The <c>openAPIV3Schema</c> of <paramref name="version"/> in the CRD file at <paramref name="path"/>.</summary>
    public static StructuralSchema FromCrdFile(string path, string version)
    {
        JsonObject crd = ReadYaml(path).Single(d => (d["kind"] as JsonValue)?.ToString() == "CustomResourceDefinition");
        JsonObject? schema = crd["spec"]?["versions"]?.AsArray().OfType<JsonObject>()
            .SingleOrDefault(v => (v["name"] as JsonValue)?.ToString() == version)?["schema"]?["openAPIV3Schema"] as JsonObject;
        return new StructuralSchema(
            schema ?? throw new InvalidDataException($"{path}: no openAPIV3Schema for version {version}"),
            $"{Path.GetFileName(path)} {version}");
    }

    public static StructuralSchema FromJson(JsonObject root, string source) => new(root, source);

    /// <summary>The YAML documents of a file as JSON trees (plain true/false, integers and null typed; everything else a string).</summary>
    public static IReadOnlyList<JsonObject> ReadYaml(string path)
    {
        YamlStream stream = [];
        using (StreamReader reader = new(path))
        {
            stream.Load(reader);
        }

        return [.. stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonObject>()];
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } plain => plain.Value switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            null or "" or "~" or "null" => null,
            string v when long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) => JsonValue.Create(n),
            string v => JsonValue.Create(v),
        },
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
        _ => throw new InvalidDataException($"unsupported YAML node {node.NodeType}"),
    };

    /// <summary>The schema at a dotted path of property names, <c>[]</c> stepping into array items (e.g. <c>spec.ingress[]</c>).</summary>
    public JsonObject At(string path)
    {
        JsonObject node = Root;
        foreach (string part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = part.EndsWith("[]", StringComparison.Ordinal) ? part[..^2] : part;
            node = node["properties"]?[name] as JsonObject ?? throw new KeyNotFoundException($"{Source}: no property {path}");
            if (part.EndsWith("[]", StringComparison.Ordinal))
            {
                node = node["items"] as JsonObject ?? throw new KeyNotFoundException($"{Source}: {path} is not an array");
            }
        }

        return node;
    }

    /// <summary>Problems that would make the API server refuse the CRD as non-structural.</summary>
    public IReadOnlyList<string> StructuralProblems()
    {
        List<string> problems = [];
        CheckStructural(Root, "", problems, inJunctor: false, isRoot: true);
        return problems;
    }

    /// <summary>Every reason the API server would reject or prune part of <paramref name="obj"/>; empty when it is stored as sent.</summary>
    public IReadOnlyList<string> Validate(JsonNode? obj)
    {
        List<string> errors = [];
        Check(obj, Root, "", errors);
        if (obj is JsonObject o)
        {
            CheckObjectMeta(o["metadata"], errors);
        }

        return errors;
    }

    private static void Check(JsonNode? value, JsonObject schema, string path, List<string> errors)
    {
        string at = path.Length == 0 ? "<root>" : path;
        if (value is null)
        {
            if (schema["nullable"]?.GetValue<bool>() != true)
            {
                errors.Add($"{at}: null for a field that is not nullable (pruned)");
            }

            return;
        }

        string? type = (schema["type"] as JsonValue)?.ToString();
        bool typeOk = type switch
        {
            null => true,
            "object" => value is JsonObject,
            "array" => value is JsonArray,
            "string" => value.GetValueKind() == JsonValueKind.String,
            "boolean" => value.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
            "integer" => value.GetValueKind() == JsonValueKind.Number && IsInteger(value),
            "number" => value.GetValueKind() == JsonValueKind.Number,
            _ => false,
        };
        if (!typeOk)
        {
            errors.Add($"{at}: {Describe(value)} is not of type {type}");
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            errors.Add($"{at}: {value.ToJsonString()} is not one of {allowed.ToJsonString()}");
        }

        if (type == "integer")
        {
            CheckInteger(value, schema, at, errors);
        }

        if (type == "string")
        {
            string text = value.GetValue<string>();
            if (schema["maxLength"] is JsonValue max && text.Length > max.GetValue<int>())
            {
                errors.Add($"{at}: longer than {max.GetValue<int>()} characters");
            }

            if (schema["minLength"] is JsonValue min && text.Length < min.GetValue<int>())
            {
                errors.Add($"{at}: shorter than {min.GetValue<int>()} characters");
            }
        }

        CheckJunctors(value, schema, at, errors);
        if (value is JsonArray array && schema["items"] is JsonObject items)
        {
            for (int i = 0; i < array.Count; i++)
            {
                Check(array[i], items, $"{path}[{i}]", errors);
            }
        }

        if (value is JsonObject obj)
        {
            CheckObject(obj, schema, path, errors);
        }
    }

    private static void CheckObject(JsonObject obj, JsonObject schema, string path, List<string> errors)
    {
        string at = path.Length == 0 ? "<root>" : path;
        if (schema["required"] is JsonArray required)
        {
            foreach (string name in required.Select(r => r!.GetValue<string>()))
            {
                if (!obj.ContainsKey(name))
                {
                    errors.Add($"{at}: required field {name} is missing");
                }
            }
        }

        JsonObject? properties = schema["properties"] as JsonObject;
        bool preserve = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        foreach ((string key, JsonNode? child) in obj)
        {
            string childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (path.Length == 0 && key == "metadata")
            {
                // ObjectMeta is the server's own type, checked on its own below.
                continue;
            }

            if (properties?[key] is JsonObject childSchema)
            {
                Check(child, childSchema, childPath, errors);
            }
            else if (schema["additionalProperties"] is JsonObject additional)
            {
                Check(child, additional, childPath, errors);
            }
            else if (!preserve && schema["additionalProperties"]?.GetValueKind() != JsonValueKind.True)
            {
                errors.Add($"{childPath}: unknown field (a structural schema prunes it)");
            }
        }
    }

    /// <summary>anyOf, oneOf, allOf and not, which a structural schema may use for value checks such as <c>required</c>.</summary>
    private static void CheckJunctors(JsonNode value, JsonObject schema, string at, List<string> errors)
    {
        int Passing(JsonArray branches) => branches.OfType<JsonObject>().Count(b => Failures(value, b).Count == 0);
        if (schema["anyOf"] is JsonArray anyOf && Passing(anyOf) == 0)
        {
            errors.Add($"{at}: matches none of anyOf {anyOf.ToJsonString()}");
        }

        if (schema["oneOf"] is JsonArray oneOf && Passing(oneOf) != 1)
        {
            errors.Add($"{at}: matches {Passing(oneOf)} of oneOf {oneOf.ToJsonString()}, not exactly one");
        }

        if (schema["allOf"] is JsonArray allOf && Passing(allOf) != allOf.Count)
        {
            errors.Add($"{at}: does not match every allOf {allOf.ToJsonString()}");
        }

        if (schema["not"] is JsonObject not && Failures(value, not).Count == 0)
        {
            errors.Add($"{at}: matches not {not.ToJsonString()}");
        }
    }

    /// <summary>A junctor branch judged on its own: value checks only (no pruning, types come from the outer schema).</summary>
    private static List<string> Failures(JsonNode value, JsonObject branch)
    {
        List<string> errors = [];
        if (branch["required"] is JsonArray required && value is JsonObject obj)
        {
            errors.AddRange(required.Select(r => r!.GetValue<string>()).Where(n => !obj.ContainsKey(n)).Select(n => $"missing {n}"));
        }

        if (branch["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            errors.Add("not in enum");
        }

        CheckJunctors(value, branch, "", errors);
        return errors;
    }

    private static void CheckInteger(JsonNode value, JsonObject schema, string at, List<string> errors)
    {
        decimal number = value.GetValue<decimal>();
        (decimal Min, decimal Max)? range = (schema["format"] as JsonValue)?.ToString() switch
        {
            "int32" => (int.MinValue, int.MaxValue),
            "int64" => (long.MinValue, long.MaxValue),
            _ => null,
        };
        if (range is { } r && (number < r.Min || number > r.Max))
        {
            errors.Add($"{at}: {number} does not fit format {schema["format"]}");
        }

        if (schema["minimum"] is JsonValue min && number < min.GetValue<decimal>())
        {
            errors.Add($"{at}: {number} is below the minimum {min}");
        }

        if (schema["maximum"] is JsonValue max && number > max.GetValue<decimal>())
        {
            errors.Add($"{at}: {number} is above the maximum {max}");
        }
    }

    private static void CheckObjectMeta(JsonNode? metadata, List<string> errors)
    {
        if (metadata is not JsonObject meta)
        {
            errors.Add("metadata: missing");
            return;
        }

        string? name = (meta["name"] as JsonValue)?.ToString();
        string? generateName = (meta["generateName"] as JsonValue)?.ToString();
        if (string.IsNullOrEmpty(name) && string.IsNullOrEmpty(generateName))
        {
            errors.Add("metadata: name or generateName is required");
        }

        // The name, or the name the server would generate (the prefix cut to 58 characters, 5 appended), is a DNS subdomain.
        string candidate = !string.IsNullOrEmpty(name) ? name : $"{(generateName!.Length > 58 ? generateName[..58] : generateName)}bcdfg";
        if (candidate.Length > 253 || !DnsSubdomain.IsMatch(candidate))
        {
            errors.Add($"metadata.{(string.IsNullOrEmpty(name) ? "generateName" : "name")}: \"{candidate}\" is not a DNS subdomain");
        }

        if (meta["labels"] is JsonObject labels)
        {
            foreach ((string key, JsonNode? value) in labels)
            {
                string[] parts = key.Split('/');
                string labelName = parts[^1];
                bool keyOk = parts.Length <= 2 && IsLabelName(labelName) && labelName.Length > 0 &&
                    (parts.Length == 1 || (parts[0].Length <= 253 && DnsSubdomain.IsMatch(parts[0])));
                if (!keyOk)
                {
                    errors.Add($"metadata.labels: key \"{key}\" is not a qualified name");
                }

                if (value?.GetValueKind() != JsonValueKind.String || !IsLabelName(value.GetValue<string>()))
                {
                    errors.Add($"metadata.labels[{key}]: {value?.ToJsonString()} is not a label value (at most 63 characters)");
                }
            }
        }

        if (meta["ownerReferences"] is JsonArray owners)
        {
            for (int i = 0; i < owners.Count; i++)
            {
                foreach (string field in new[] { "apiVersion", "kind", "name", "uid" })
                {
                    if (string.IsNullOrEmpty((owners[i]?[field] as JsonValue)?.ToString()))
                    {
                        errors.Add($"metadata.ownerReferences[{i}].{field}: required");
                    }
                }

                foreach (string flag in new[] { "controller", "blockOwnerDeletion" })
                {
                    if (owners[i]?[flag] is JsonNode f && f.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        errors.Add($"metadata.ownerReferences[{i}].{flag}: not a boolean");
                    }
                }
            }
        }
    }

    private static void CheckStructural(JsonObject schema, string path, List<string> problems, bool inJunctor, bool isRoot = false)
    {
        string at = path.Length == 0 ? "<root>" : path;
        bool intOrString = schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true;
        bool preserve = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        if (inJunctor)
        {
            foreach (string forbidden in new[] { "type", "description", "default", "additionalProperties", "nullable", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string" })
            {
                if (schema.ContainsKey(forbidden))
                {
                    problems.Add($"{at}: {forbidden} inside anyOf/oneOf/allOf/not is not structural");
                }
            }
        }
        else if (!schema.ContainsKey("type") && !intOrString && !preserve)
        {
            problems.Add($"{at}: no type");
        }

        if (isRoot && (schema["type"] as JsonValue)?.ToString() != "object")
        {
            problems.Add("<root>: must be type object");
        }

        if (schema["properties"] is JsonObject && schema["additionalProperties"] is JsonNode)
        {
            problems.Add($"{at}: properties and additionalProperties are mutually exclusive");
        }

        if ((schema["type"] as JsonValue)?.ToString() == "array" && schema["items"] is not JsonObject && !inJunctor)
        {
            problems.Add($"{at}: an array needs items");
        }

        if (schema["properties"] is JsonObject properties)
        {
            foreach ((string name, JsonNode? child) in properties)
            {
                if (isRoot && name == "metadata" && child is JsonObject meta && meta.Any(kv => kv.Key != "type" && kv.Key != "description"))
                {
                    problems.Add("metadata: only type (and description) may be given at the root");
                }

                if (child is JsonObject c)
                {
                    CheckStructural(c, path.Length == 0 ? name : $"{path}.{name}", problems, inJunctor);
                }
            }
        }

        if (schema["items"] is JsonObject items)
        {
            CheckStructural(items, $"{path}[]", problems, inJunctor);
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            CheckStructural(additional, $"{path}{{*}}", problems, inJunctor);
        }

        foreach (string junctor in new[] { "anyOf", "oneOf", "allOf" })
        {
            if (schema[junctor] is JsonArray branches)
            {
                foreach (JsonObject branch in branches.OfType<JsonObject>())
                {
                    CheckStructural(branch, $"{at}.{junctor}", problems, inJunctor: true);
                }
            }
        }

        if (schema["not"] is JsonObject notBranch)
        {
            CheckStructural(notBranch, $"{at}.not", problems, inJunctor: true);
        }
    }

    private static readonly System.Text.RegularExpressions.Regex DnsSubdomain = new(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

    private static readonly System.Text.RegularExpressions.Regex LabelName = new(@"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$");

    private static bool IsLabelName(string text) => text.Length <= 63 && LabelName.IsMatch(text);

    private static bool IsInteger(JsonNode value)
    {
        string raw = value.ToJsonString();
        return decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal d) && d == decimal.Truncate(d) && !raw.Contains('.', StringComparison.Ordinal);
    }

    private static string Describe(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.String => $"string {value.ToJsonString()}",
        JsonValueKind.Number => $"number {value.ToJsonString()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.ToJsonString(),
    };
}
