using System.Text.Json.Nodes;
using Npa.Resolver.Model;

namespace Npa.Ingest.Translation;

/// <summary>networking.k8s.aws/v1alpha1 PolicyEndpoint JSON to <see cref="PolicyEndpointSpec"/>.</summary>
public static class PolicyEndpointTranslator
{
    public static TranslationResult<PolicyEndpointSpec> Translate(JsonObject obj, string source = "input")
    {
        ArgumentNullException.ThrowIfNull(obj);
        List<Diagnostic> sink = [];
        ObjectMeta? meta = ObjectMeta.Read(obj, "PolicyEndpoint", namespaced: true, source, sink);
        if (meta is null)
        {
            return new(null, sink);
        }

        FieldErrors errors = new(meta.Kind, meta.Namespace, meta.Name);
        JsonObject spec = errors.OptionalObject(obj["spec"], "spec") ?? [];
        JsonObject? policyRef = errors.OptionalObject(spec["policyRef"], "spec.policyRef");
        string? refName = policyRef is null ? null : errors.OptionalString(policyRef["name"], "spec.policyRef.name");
        string? refNs = policyRef is null ? null : errors.OptionalString(policyRef["namespace"], "spec.policyRef.namespace");
        if (string.IsNullOrEmpty(refName) || string.IsNullOrEmpty(refNs))
        {
            errors.Error("spec.policyRef", "name and namespace are required");
        }

        LabelSelector? selector = spec["podSelector"] is null ? null : SelectorTranslator.Translate(spec["podSelector"], "spec.podSelector", errors);
        List<Direction> isolation = [];
        JsonArray? iso = errors.OptionalArray(spec["podIsolation"], "spec.podIsolation");
        for (int i = 0; iso is not null && i < iso.Count; i++)
        {
            string? t = errors.OptionalString(iso[i], $"spec.podIsolation[{i}]");
            switch (t)
            {
                case "Ingress": isolation.Add(Direction.Ingress); break;
                case "Egress": isolation.Add(Direction.Egress); break;
                default: errors.Error($"spec.podIsolation[{i}]", $"'{t}' is not a policy type (Ingress, Egress)"); break;
            }
        }

        List<PodEndpoint> pods = [];
        JsonArray? podList = errors.OptionalArray(spec["podSelectorEndpoints"], "spec.podSelectorEndpoints");
        for (int i = 0; podList is not null && i < podList.Count; i++)
        {
            string at = $"spec.podSelectorEndpoints[{i}]";
            JsonObject? p = errors.OptionalObject(podList[i], at);
            if (p is null)
            {
                continue;
            }

            pods.Add(new PodEndpoint(
                errors.OptionalString(p["hostIP"], $"{at}.hostIP") ?? "",
                errors.OptionalString(p["podIP"], $"{at}.podIP") ?? "",
                errors.OptionalString(p["name"], $"{at}.name") ?? "",
                errors.OptionalString(p["namespace"], $"{at}.namespace") ?? ""));
        }

        List<EndpointInfo> ingress = Endpoints(spec["ingress"], "spec.ingress", errors);
        List<EndpointInfo> egress = Endpoints(spec["egress"], "spec.egress", errors);
        sink.AddRange(errors.Items);
        if (errors.HasErrors)
        {
            return new(null, sink);
        }

        string generateName = errors.OptionalString(meta.Metadata?["generateName"], "metadata.generateName") ?? "";
        string ownerUid = "";
        if (meta.Metadata?["ownerReferences"] is JsonArray owners)
        {
            ownerUid = owners.OfType<JsonObject>()
                .Where(o => (o["kind"] as JsonValue)?.ToString() == "NetworkPolicy")
                .Select(o => (o["uid"] as JsonValue)?.ToString() ?? "")
                .FirstOrDefault() ?? "";
        }

        return new(new PolicyEndpointSpec(meta.Namespace!, meta.Name, generateName, new PolicyReference(refName!, refNs!),
            selector, isolation, pods, ingress, egress) { OwnerUid = ownerUid, Labels = meta.Labels }, sink);
    }

    private static List<EndpointInfo> Endpoints(JsonNode? node, string field, FieldErrors errors)
    {
        List<EndpointInfo> result = [];
        JsonArray? list = errors.OptionalArray(node, field);
        for (int i = 0; list is not null && i < list.Count; i++)
        {
            string at = $"{field}[{i}]";
            JsonObject? e = errors.OptionalObject(list[i], at);
            if (e is null)
            {
                continue;
            }

            string? cidr = errors.OptionalString(e["cidr"], $"{at}.cidr");
            if (string.IsNullOrEmpty(cidr))
            {
                // A domain entry carries no cidr, or an empty one: the EKS controller's Go type writes cidr without omitempty.
                if (e["domainName"] is not null)
                {
                    errors.Warning(at, "domainName entries are not enforced");
                }
                else
                {
                    errors.Error($"{at}.cidr", "is required");
                }

                continue;
            }

            if (!IpPrefix.TryParse(cidr, out IpPrefix prefix, out string? why))
            {
                errors.Error($"{at}.cidr", why!);
                continue;
            }

            List<string> except = [];
            JsonArray? exceptList = errors.OptionalArray(e["except"], $"{at}.except");
            for (int j = 0; exceptList is not null && j < exceptList.Count; j++)
            {
                string? x = errors.OptionalString(exceptList[j], $"{at}.except[{j}]");
                if (x is null)
                {
                    continue;
                }

                if (!IpPrefix.TryParse(x, out IpPrefix hole, out string? err) || !prefix.Contains(hole))
                {
                    errors.Error($"{at}.except[{j}]", err ?? $"'{x}' is not inside {prefix}");
                    continue;
                }

                except.Add(x);
            }

            List<EndpointPort> ports = [];
            JsonArray? portList = errors.OptionalArray(e["ports"], $"{at}.ports");
            for (int j = 0; portList is not null && j < portList.Count; j++)
            {
                string pat = $"{at}.ports[{j}]";
                JsonObject? p = errors.OptionalObject(portList[j], pat);
                if (p is null)
                {
                    continue;
                }

                string? protoText = errors.OptionalString(p["protocol"], $"{pat}.protocol");
                Protocol protocol = protoText is null ? Protocol.Tcp : ProtocolNames.Parse(protoText);
                if (protocol == Protocol.Unknown)
                {
                    errors.Error($"{pat}.protocol", $"'{protoText}' is not a supported protocol (TCP, UDP, SCTP)");
                    continue;
                }

                long? port = errors.OptionalInteger(p["port"], $"{pat}.port");
                long? endPort = errors.OptionalInteger(p["endPort"], $"{pat}.endPort");
                if (port is < 0 or > 65535 || endPort is < 0 or > 65535 || (endPort is not null && (port is null || endPort < port)))
                {
                    errors.Error(pat, $"port {port} / endPort {endPort} is not a valid range");
                    continue;
                }

                ports.Add(new EndpointPort(protocol, (int?)port, (int?)endPort));
            }

            result.Add(new EndpointInfo(cidr, except, ports));
        }

        return result;
    }
}
