using System.Text.Json.Nodes;
using Npa.Resolver.Model;

namespace Npa.Ingest.Translation;

/// <summary>
/// networking.k8s.io/v1 NetworkPolicy JSON to <see cref="NetworkPolicySpec"/>, with the API server's
/// validation and defaulting (policyTypes, protocol TCP). Any error rejects the whole policy.
/// </summary>
public static class NetworkPolicyTranslator
{
    public static TranslationResult<NetworkPolicySpec> Translate(JsonObject obj, string source = "input")
    {
        ArgumentNullException.ThrowIfNull(obj);
        List<Diagnostic> sink = [];
        ObjectMeta? meta = ObjectMeta.Read(obj, "NetworkPolicy", namespaced: true, source, sink);
        if (meta is null)
        {
            return new(null, sink);
        }

        FieldErrors errors = new(meta.Kind, meta.Namespace, meta.Name);
        if (!LabelSyntax.IsDnsSubdomain(meta.Name))
        {
            errors.Error("metadata.name", $"'{meta.Name}' is not a valid DNS subdomain name");
        }

        JsonObject spec = errors.OptionalObject(obj["spec"], "spec") ?? [];
        LabelSelector? podSelector = spec["podSelector"] is null
            ? LabelSelector.Everything
            : SelectorTranslator.Translate(spec["podSelector"], "spec.podSelector", errors);

        List<PolicyRule> ingress = Rules(spec["ingress"], "spec.ingress", "from", errors);
        List<PolicyRule> egress = Rules(spec["egress"], "spec.egress", "to", errors);

        PolicyTypes types = PolicyTypes.None;
        JsonArray? typeList = errors.OptionalArray(spec["policyTypes"], "spec.policyTypes");
        for (int i = 0; typeList is not null && i < typeList.Count; i++)
        {
            string? t = errors.OptionalString(typeList[i], $"spec.policyTypes[{i}]");
            switch (t)
            {
                case "Ingress": types |= PolicyTypes.Ingress; break;
                case "Egress": types |= PolicyTypes.Egress; break;
                case null: break;
                default:
                    errors.Error($"spec.policyTypes[{i}]", $"'{t}' is not a policy type (Ingress, Egress)");
                    break;
            }
        }

        if (typeList is null || typeList.Count == 0)
        {
            // API defaulting: Ingress always; Egress when the policy has at least one egress rule.
            types = PolicyTypes.Ingress;
            if (spec["egress"] is JsonArray e && e.Count > 0)
            {
                types |= PolicyTypes.Egress;
            }
        }

        sink.AddRange(errors.Items);
        if (errors.HasErrors || podSelector is null)
        {
            return new(null, sink);
        }

        return new(new NetworkPolicySpec(meta.Namespace!, meta.Name, podSelector, types, ingress, egress) { Uid = meta.Uid }, sink);
    }

    private static List<PolicyRule> Rules(JsonNode? node, string field, string peersField, FieldErrors errors)
    {
        List<PolicyRule> rules = [];
        JsonArray? list = errors.OptionalArray(node, field);
        for (int i = 0; list is not null && i < list.Count; i++)
        {
            string at = $"{field}[{i}]";
            JsonObject? rule = list[i] is null ? [] : errors.OptionalObject(list[i], at);
            if (rule is null)
            {
                continue;
            }

            List<PolicyPeer> peers = [];
            JsonArray? peerList = errors.OptionalArray(rule[peersField], $"{at}.{peersField}");
            for (int j = 0; peerList is not null && j < peerList.Count; j++)
            {
                PolicyPeer? peer = Peer(peerList[j], $"{at}.{peersField}[{j}]", errors);
                if (peer is not null)
                {
                    peers.Add(peer);
                }
            }

            List<PolicyPort> ports = [];
            JsonArray? portList = errors.OptionalArray(rule["ports"], $"{at}.ports");
            for (int j = 0; portList is not null && j < portList.Count; j++)
            {
                PolicyPort? port = Port(portList[j], $"{at}.ports[{j}]", errors);
                if (port is not null)
                {
                    ports.Add(port);
                }
            }

            rules.Add(new PolicyRule(peers, ports));
        }

        return rules;
    }

    private static PolicyPeer? Peer(JsonNode? node, string field, FieldErrors errors)
    {
        JsonObject? peer = errors.OptionalObject(node, field);
        if (peer is null)
        {
            errors.Error(field, "must be an object");
            return null;
        }

        bool hasPod = peer["podSelector"] is not null;
        bool hasNs = peer["namespaceSelector"] is not null;
        bool hasBlock = peer["ipBlock"] is not null;
        if (!hasPod && !hasNs && !hasBlock)
        {
            errors.Error(field, "must specify a peer: podSelector, namespaceSelector or ipBlock");
            return null;
        }

        if (hasBlock && (hasPod || hasNs))
        {
            errors.Error(field, "ipBlock may not be combined with podSelector or namespaceSelector");
            return null;
        }

        if (hasBlock)
        {
            IpBlock? block = Block(peer["ipBlock"], $"{field}.ipBlock", errors);
            return block is null ? null : new PolicyPeer(null, null, block);
        }

        LabelSelector? pods = hasPod ? SelectorTranslator.Translate(peer["podSelector"], $"{field}.podSelector", errors) : null;
        LabelSelector? namespaces = hasNs ? SelectorTranslator.Translate(peer["namespaceSelector"], $"{field}.namespaceSelector", errors) : null;
        if ((hasPod && pods is null) || (hasNs && namespaces is null))
        {
            return null;
        }

        return new PolicyPeer(pods, namespaces, null);
    }

    private static IpBlock? Block(JsonNode? node, string field, FieldErrors errors)
    {
        JsonObject? block = errors.OptionalObject(node, field);
        if (block is null)
        {
            return null;
        }

        string? cidrText = errors.OptionalString(block["cidr"], $"{field}.cidr");
        if (string.IsNullOrEmpty(cidrText))
        {
            errors.Error($"{field}.cidr", "is required");
            return null;
        }

        if (!IpPrefix.TryParse(cidrText, out IpPrefix cidr, out string? why) || !cidrText.Contains('/', StringComparison.Ordinal))
        {
            errors.Error($"{field}.cidr", why ?? $"'{cidrText}' must be in CIDR notation (address/length)");
            return null;
        }

        if (!cidrText.StartsWith(cidr.Address.ToString() + "/", StringComparison.OrdinalIgnoreCase))
        {
            errors.Warning($"{field}.cidr", $"'{cidrText}' has host bits set; treated as {cidr}");
        }

        List<IpPrefix> except = [];
        JsonArray? list = errors.OptionalArray(block["except"], $"{field}.except");
        bool ok = true;
        for (int i = 0; list is not null && i < list.Count; i++)
        {
            string at = $"{field}.except[{i}]";
            string? text = errors.OptionalString(list[i], at);
            if (text is null)
            {
                ok = false;
                continue;
            }

            if (!IpPrefix.TryParse(text, out IpPrefix hole, out string? err) || !text.Contains('/', StringComparison.Ordinal))
            {
                errors.Error(at, err ?? $"'{text}' must be in CIDR notation (address/length)");
                ok = false;
                continue;
            }

            if (hole.IsIPv6 != cidr.IsIPv6)
            {
                errors.Error(at, $"'{text}' is not the same IP family as cidr {cidr}");
                ok = false;
                continue;
            }

            if (!cidr.Contains(hole) || hole.Length <= cidr.Length)
            {
                errors.Error(at, $"'{text}' must be a strict subset of cidr {cidr}");
                ok = false;
                continue;
            }

            except.Add(hole);
        }

        return ok ? new IpBlock(cidr, except) : null;
    }

    private static PolicyPort? Port(JsonNode? node, string field, FieldErrors errors)
    {
        JsonObject? port = node is null ? [] : errors.OptionalObject(node, field);
        if (port is null)
        {
            return null;
        }

        Protocol protocol = Protocol.Tcp;
        string? protoText = errors.OptionalString(port["protocol"], $"{field}.protocol");
        if (protoText is not null)
        {
            protocol = ProtocolNames.Parse(protoText);
            if (protocol is not (Protocol.Tcp or Protocol.Udp or Protocol.Sctp))
            {
                errors.Error($"{field}.protocol", $"'{protoText}' is not a supported protocol (TCP, UDP, SCTP)");
                return null;
            }
        }

        int? number = null;
        string? name = null;
        JsonNode? portNode = port["port"];
        if (portNode is JsonValue pv && pv.TryGetValue(out string? portName))
        {
            if (!LabelSyntax.IsPortName(portName))
            {
                errors.Error($"{field}.port", int.TryParse(portName, out _)
                    ? $"'{portName}' is a quoted number; write the port number unquoted or use a port name"
                    : $"'{portName}' is not a valid port name (1-15 lowercase letters, digits and '-', at least one letter)");
                return null;
            }

            name = portName;
        }
        else if (portNode is not null)
        {
            long? n = errors.OptionalInteger(portNode, $"{field}.port");
            if (n is null)
            {
                return null;
            }

            if (n is < 1 or > 65535)
            {
                errors.Error($"{field}.port", $"{n} is out of range (1-65535)");
                return null;
            }

            number = (int)n;
        }

        int? endPort = null;
        if (port["endPort"] is not null)
        {
            long? e = errors.OptionalInteger(port["endPort"], $"{field}.endPort");
            if (e is null)
            {
                return null;
            }

            if (name is not null)
            {
                errors.Error($"{field}.endPort", $"may not be set when port is a named port ('{name}')");
                return null;
            }

            if (number is null)
            {
                errors.Error($"{field}.endPort", "may not be set without a numeric port");
                return null;
            }

            if (e is < 1 or > 65535)
            {
                errors.Error($"{field}.endPort", $"{e} is out of range (1-65535)");
                return null;
            }

            if (e < number)
            {
                errors.Error($"{field}.endPort", $"{e} is less than port {number}");
                return null;
            }

            endPort = (int)e;
        }

        return new PolicyPort(protocol, number, name, endPort);
    }
}
