using System.Text.Json;
using System.Text.Json.Nodes;
using Npa.Ingest.Translation;
using Npa.Resolver.Model;
using YamlDotNet.Core;

namespace Npa.Ingest.Manifests;

/// <summary>
/// Reads Namespaces, Pods, NetworkPolicies, Services and PolicyEndpoints from YAML or JSON manifests:
/// multi-document files, <c>kind: List</c> wrappers, single files or whole folders (recursively,
/// in ordinal path order). Other kinds are ignored. A bad object is rejected with a diagnostic; the
/// rest of the input still counts. When the same object appears twice, the later one wins.
/// </summary>
public static class ManifestReader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static ManifestSet ReadPaths(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Builder builder = new();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                IEnumerable<string> files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal);
                foreach (string file in files)
                {
                    builder.AddFile(file);
                }
            }
            else if (File.Exists(path))
            {
                builder.AddFile(path);
            }
            else
            {
                builder.Diagnostics.Add(Diagnostic.Error("File", null, path, "", "no such file or directory"));
            }
        }

        return builder.Build();
    }

    public static ManifestSet ReadText(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        Builder builder = new();
        builder.AddText(text, sourceName);
        return builder.Build();
    }

    /// <summary>Accumulates objects in input order, keyed by identity so later copies replace earlier ones.</summary>
    private sealed class Builder
    {
        private readonly Dictionary<string, NamespaceInfo> _namespaces = new(StringComparer.Ordinal);
        private readonly Dictionary<ObjectRef, PodInfo> _pods = [];
        private readonly Dictionary<ObjectRef, NetworkPolicySpec> _policies = [];
        private readonly Dictionary<ObjectRef, ServiceInfo> _services = [];
        private readonly Dictionary<ObjectRef, PolicyEndpointSpec> _policyEndpoints = [];

        public List<Diagnostic> Diagnostics { get; } = [];

        public void AddFile(string file)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Diagnostics.Add(Diagnostic.Error("File", null, file, "", e.Message));
                return;
            }

            AddText(text, file);
        }

        public void AddText(string text, string source)
        {
            List<(JsonNode? Node, int Line)> docs;
            try
            {
                docs = [.. YamlToJson.Documents(text)];
            }
            catch (YamlException e)
            {
                Diagnostics.Add(Diagnostic.Error("File", null, source, $"line {e.Start.Line}", $"not valid YAML or JSON: {e.Message}"));
                return;
            }

            foreach ((JsonNode? node, int line) in docs)
            {
                AddObject(node, $"{source}:{line}");
            }
        }

        private void AddObject(JsonNode? node, string source)
        {
            if (node is null)
            {
                return;
            }

            if (node is not JsonObject obj)
            {
                Diagnostics.Add(Diagnostic.Error("File", null, source, "", "a manifest document must be an object"));
                return;
            }

            string? kind = (obj["kind"] as JsonValue)?.TryGetValue(out string? k) == true ? k : null;
            if (kind is not null && kind.EndsWith("List", StringComparison.Ordinal) && obj["items"] is JsonArray items)
            {
                foreach (JsonNode? item in items)
                {
                    AddObject(item, source);
                }

                return;
            }

            switch (kind)
            {
                case "Namespace":
                    Take(NamespaceTranslator.Translate(obj, source), ns => _namespaces[ns.Name] = ns);
                    break;
                case "Pod":
                    Take(PodTranslator.Translate(obj, source), pod => _pods[pod.Ref] = pod);
                    break;
                case "NetworkPolicy":
                    Take(NetworkPolicyTranslator.Translate(obj, source), p => _policies[p.Ref] = p);
                    break;
                case "Service":
                    Take(ServiceTranslator.Translate(obj, source), s => _services[s.Ref] = s);
                    break;
                case "PolicyEndpoint":
                    Take(PolicyEndpointTranslator.Translate(obj, source), pe => _policyEndpoints[new ObjectRef(pe.Namespace, pe.Name)] = pe);
                    break;
                case null:
                    Diagnostics.Add(Diagnostic.Error("File", null, source, "kind", "is required"));
                    break;
                default:
                    break; // Deployments, ConfigMaps and the like carry nothing the resolver needs.
            }
        }

        private void Take<T>(TranslationResult<T> result, Action<T> accept)
            where T : class
        {
            Diagnostics.AddRange(result.Diagnostics);
            if (result.Value is not null)
            {
                accept(result.Value);
            }
        }

        public ManifestSet Build()
        {
            IEnumerable<string> used = _pods.Keys.Select(p => p.Namespace)
                .Concat(_policies.Keys.Select(p => p.Namespace))
                .Concat(_services.Keys.Select(s => s.Namespace));
            foreach (string ns in used)
            {
                if (!_namespaces.ContainsKey(ns))
                {
                    _namespaces[ns] = NamespaceTranslator.Implicit(ns);
                }
            }

            return new ManifestSet(
                [.. _namespaces.Values.OrderBy(n => n.Name, StringComparer.Ordinal)],
                [.. _pods.Values.OrderBy(p => p.Ref)],
                [.. _policies.Values.OrderBy(p => p.Ref)],
                [.. _services.Values.OrderBy(s => s.Ref)],
                [.. _policyEndpoints.Values.OrderBy(p => new ObjectRef(p.Namespace, p.Name))],
                Diagnostics);
        }
    }

    /// <summary>Parses one JSON object (e.g. a watch event's object) into a node tree.</summary>
    public static JsonObject ParseJsonObject(string json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new JsonException("expected a JSON object");
}
