using Npa.Resolver.Model;
using Npa.Resolver.Reports;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Npa.Host.Verbs;

/// <summary>
/// Reads the expectations <c>npa test</c> checks from YAML:
/// <code>
/// expectations:
///   - name: frontend reaches backend on 6379      # required, unique within the file
///     from: {pod: stars/frontend}                 # required; {} is every pod
///     to: {namespace: stars, labels: {role: backend}}
///     ports: [TCP/6379, TCP/http, TCP/8000-8080]  # optional; default every port of TCP, UDP and SCTP
///     allowed: true                               # required
///     except: [{from: {namespace: ingress-nginx}, ports: [TCP/443]}]   # optional
/// </code>
/// A selection takes <c>pod</c> (namespace/name), <c>namespace</c>, <c>notNamespace</c>, <c>labels</c> and
/// <c>namespaceLabels</c> (maps of label to value); every field given must hold. Every error names the file, the
/// line, the expectation and the field; unknown fields are errors, so a typo cannot silently widen a check.
/// </summary>
internal static class ExpectationFile
{
    private static readonly string[] ExpectationFields = ["name", "from", "to", "ports", "allowed", "except"];
    private static readonly string[] ExceptionFields = ["from", "to", "ports"];
    private static readonly string[] SelectionFields = ["pod", "namespace", "notNamespace", "labels", "namespaceLabels"];

    /// <summary>The expectations of one file, in order; what is wrong goes to <paramref name="errors"/> (nothing is returned for a file with errors).</summary>
    public static IReadOnlyList<PolicyExpectation> Read(string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{path}: {e.Message}");
            return [];
        }

        return Parse(text, path, errors);
    }

    public static IReadOnlyList<PolicyExpectation> Parse(string text, string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        int before = errors.Count;
        YamlStream stream = [];
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            errors.Add($"{path}:{e.Start.Line}: not valid YAML: {e.Message}");
            return [];
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root || Child(root, "expectations") is not YamlSequenceNode list)
        {
            errors.Add($"{path}: must be one YAML document with a list under 'expectations'");
            return [];
        }

        foreach (string key in Keys(root).Where(k => k != "expectations"))
        {
            errors.Add($"{path}: unknown top-level field '{key}' (only 'expectations')");
        }

        List<PolicyExpectation> expectations = [];
        HashSet<string> names = new(StringComparer.Ordinal);
        for (int i = 0; i < list.Children.Count; i++)
        {
            Reader reader = new(path, $"expectations[{i}]", list.Children[i], errors);
            PolicyExpectation? expectation = reader.Expectation();
            if (expectation is not null && !names.Add(expectation.Name))
            {
                reader.Error(list.Children[i], "name", $"'{expectation.Name}' is used by an earlier expectation; names identify results, so they must differ");
            }

            if (expectation is not null)
            {
                expectations.Add(expectation);
            }
        }

        if (list.Children.Count == 0)
        {
            errors.Add($"{path}: 'expectations' is empty, so nothing would be checked");
        }

        return errors.Count > before ? [] : expectations;
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? value) ? value : null;

    private static IEnumerable<string> Keys(YamlMappingNode map) =>
        map.Children.Keys.Select(k => (k as YamlScalarNode)?.Value ?? k.ToString());

    /// <summary>Reads one expectation, naming it (by index, then by name once known) in every error.</summary>
    private sealed class Reader(string path, string index, YamlNode node, List<string> errors)
    {
        private string? _name;

        private string Label => _name is null ? index : $"{index} '{_name}'";

        public void Error(YamlNode at, string field, string message) =>
            errors.Add($"{path}:{at.Start.Line}: {Label}: {field}: {message}");

        public PolicyExpectation? Expectation()
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, "-", "must be a mapping with name, from, to, allowed (and optionally ports, except)");
                return null;
            }

            int before = errors.Count;
            string? name = Scalar(map, "name", required: true);
            _name = name;

            Unknown(map, "", ExpectationFields);
            PodSelection? from = Selection(map, "from", required: true);
            PodSelection? to = Selection(map, "to", required: true);
            IReadOnlyList<PortSelection>? ports = Ports(map, "ports");
            bool? allowed = Boolean(map, "allowed");
            List<ExpectationException> except = [];
            if (Child(map, "except") is YamlNode exceptNode)
            {
                if (exceptNode is not YamlSequenceNode exceptList)
                {
                    Error(exceptNode, "except", "must be a list of {from, to, ports}");
                }
                else
                {
                    for (int i = 0; i < exceptList.Children.Count; i++)
                    {
                        string field = $"except[{i}]";
                        if (exceptList.Children[i] is not YamlMappingNode x || x.Children.Count == 0)
                        {
                            Error(exceptList.Children[i], field, "must be a mapping with at least one of from, to, ports");
                            continue;
                        }

                        Unknown(x, field + ".", ExceptionFields);
                        except.Add(new ExpectationException(
                            Selection(x, "from", required: false, field + "."),
                            Selection(x, "to", required: false, field + "."),
                            Ports(x, "ports", field + ".")));
                    }
                }
            }

            return errors.Count > before || name is null || from is null || to is null || allowed is null
                ? null
                : new PolicyExpectation(name, from, to, ports, allowed.Value, except, $"{path}:{map.Start.Line}");
        }

        private void Unknown(YamlMappingNode map, string prefix, string[] known)
        {
            foreach (YamlNode key in map.Children.Keys)
            {
                string name = (key as YamlScalarNode)?.Value ?? key.ToString();
                if (!known.Contains(name, StringComparer.Ordinal))
                {
                    Error(key, prefix + name, $"unknown field (known: {string.Join(", ", known)})");
                }
            }
        }

        private string? Scalar(YamlMappingNode map, string key, bool required, string prefix = "")
        {
            YamlNode? value = Child(map, key);
            if (value is null)
            {
                if (required)
                {
                    Error(map, prefix + key, "is required");
                }

                return null;
            }

            if (value is not YamlScalarNode { Value: { Length: > 0 } text })
            {
                Error(value, prefix + key, "must be a non-empty string");
                return null;
            }

            return text;
        }

        private bool? Boolean(YamlMappingNode map, string key)
        {
            string? text = Scalar(map, key, required: true);
            if (text is null)
            {
                return null;
            }

            if (text is not ("true" or "false"))
            {
                Error(Child(map, key)!, key, $"'{text}' must be true or false");
                return null;
            }

            return text == "true";
        }

        private PodSelection? Selection(YamlMappingNode map, string key, bool required, string prefix = "")
        {
            string field = prefix + key;
            YamlNode? value = Child(map, key);
            if (value is null)
            {
                if (required)
                {
                    Error(map, field, "is required ({} selects every pod)");
                }

                return null;
            }

            if (value is not YamlMappingNode selection)
            {
                Error(value, field, "must be a mapping of pod, namespace, notNamespace, labels, namespaceLabels");
                return null;
            }

            int before = errors.Count;
            Unknown(selection, field + ".", SelectionFields);
            ObjectRef? pod = null;
            if (Scalar(selection, "pod", required: false, field + ".") is string podText)
            {
                if (ObjectRef.TryParse(podText, out ObjectRef parsed))
                {
                    pod = parsed;
                }
                else
                {
                    Error(selection, field + ".pod", $"'{podText}' must be namespace/name");
                }
            }

            string? ns = Scalar(selection, "namespace", required: false, field + ".");
            string? notNs = Scalar(selection, "notNamespace", required: false, field + ".");
            if (ns is not null && ns == notNs)
            {
                Error(selection, field, $"namespace and notNamespace are both '{ns}', which selects no pod");
            }

            LabelSelector? labels = Labels(selection, "labels", field + ".");
            LabelSelector? nsLabels = Labels(selection, "namespaceLabels", field + ".");
            return errors.Count > before ? null : new PodSelection(pod, ns, notNs, labels, nsLabels);
        }

        private LabelSelector? Labels(YamlMappingNode map, string key, string prefix)
        {
            YamlNode? value = Child(map, key);
            if (value is null)
            {
                return null;
            }

            if (value is not YamlMappingNode labels)
            {
                Error(value, prefix + key, "must be a mapping of label to value, e.g. {role: frontend}");
                return null;
            }

            Dictionary<string, string> matchLabels = new(StringComparer.Ordinal);
            foreach ((YamlNode k, YamlNode v) in labels.Children)
            {
                if (k is not YamlScalarNode { Value: { Length: > 0 } labelKey } || v is not YamlScalarNode { Value: { } labelValue })
                {
                    Error(k, prefix + key, "every label and value must be a string");
                    continue;
                }

                matchLabels[labelKey] = labelValue;
            }

            return new LabelSelector(matchLabels, []);
        }

        private IReadOnlyList<PortSelection>? Ports(YamlMappingNode map, string key, string prefix = "")
        {
            YamlNode? value = Child(map, key);
            if (value is null)
            {
                return null;
            }

            if (value is not YamlSequenceNode { Children.Count: > 0 } list)
            {
                Error(value, prefix + key, "must be a non-empty list such as [TCP/80, UDP/53, TCP/8000-8080, TCP/http] (leave it out for every port)");
                return null;
            }

            List<PortSelection> ports = [];
            for (int i = 0; i < list.Children.Count; i++)
            {
                string? text = (list.Children[i] as YamlScalarNode)?.Value;
                if (!PortSelection.TryParse(text, out PortSelection port, out string? error))
                {
                    Error(list.Children[i], $"{prefix}{key}[{i}]", error!);
                    continue;
                }

                ports.Add(port);
            }

            return ports;
        }
    }
}
