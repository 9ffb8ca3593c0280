using System.Net;
using System.Text.Json.Nodes;
using Npa.Resolver.Model;

namespace Npa.Ingest.Translation;

/// <summary>v1 Service JSON to <see cref="ServiceInfo"/>: cluster IPs, selector and ports with target ports.</summary>
public static class ServiceTranslator
{
    public static TranslationResult<ServiceInfo> Translate(JsonObject obj, string source = "input")
    {
        ArgumentNullException.ThrowIfNull(obj);
        List<Diagnostic> sink = [];
        ObjectMeta? meta = ObjectMeta.Read(obj, "Service", namespaced: true, source, sink);
        if (meta is null)
        {
            return new(null, sink);
        }

        FieldErrors errors = new(meta.Kind, meta.Namespace, meta.Name);
        JsonObject spec = errors.OptionalObject(obj["spec"], "spec") ?? [];
        List<IPAddress> clusterIps = [];
        errors.AddAddress(errors.OptionalString(spec["clusterIP"], "spec.clusterIP"), "spec.clusterIP", clusterIps, ignore: "None");
        JsonArray? ipList = errors.OptionalArray(spec["clusterIPs"], "spec.clusterIPs");
        for (int i = 0; ipList is not null && i < ipList.Count; i++)
        {
            errors.AddAddress(errors.OptionalString(ipList[i], $"spec.clusterIPs[{i}]"), $"spec.clusterIPs[{i}]", clusterIps, ignore: "None");
        }

        // An empty selector is omitted on the wire, so it means "no selector" (endpoints managed by hand).
        Dictionary<string, string>? selector = errors.StringMap(spec["selector"], "spec.selector");
        if (selector.Count == 0)
        {
            selector = null;
        }

        List<ServicePort> ports = [];
        JsonArray? list = errors.OptionalArray(spec["ports"], "spec.ports");
        for (int i = 0; list is not null && i < list.Count; i++)
        {
            string at = $"spec.ports[{i}]";
            JsonObject? port = errors.OptionalObject(list[i], at);
            if (port is null)
            {
                continue;
            }

            long? number = errors.OptionalInteger(port["port"], $"{at}.port");
            if (number is null or < 1 or > 65535)
            {
                errors.Error($"{at}.port", number is null ? "is required" : $"{number} is out of range (1-65535)");
                continue;
            }

            string? protoText = errors.OptionalString(port["protocol"], $"{at}.protocol");
            Protocol protocol = protoText is null ? Protocol.Tcp : ProtocolNames.Parse(protoText);
            if (protocol == Protocol.Unknown)
            {
                errors.Error($"{at}.protocol", $"'{protoText}' is not a supported protocol (TCP, UDP, SCTP)");
                continue;
            }

            int? target = null;
            string? targetName = null;
            JsonNode? t = port["targetPort"];
            if (t is JsonValue tv && tv.TryGetValue(out string? tn))
            {
                if (int.TryParse(tn, out int parsed))
                {
                    target = parsed;
                }
                else if (!LabelSyntax.IsPortName(tn))
                {
                    errors.Error($"{at}.targetPort", $"'{tn}' is not a valid port name");
                    continue;
                }
                else
                {
                    targetName = tn;
                }
            }
            else if (t is not null)
            {
                long? n = errors.OptionalInteger(t, $"{at}.targetPort");
                if (n is null or < 1 or > 65535)
                {
                    errors.Error($"{at}.targetPort", $"{n} is out of range (1-65535)");
                    continue;
                }

                target = (int)n;
            }
            else
            {
                target = (int)number;
            }

            ports.Add(new ServicePort(errors.OptionalString(port["name"], $"{at}.name"), protocol, (int)number, target, targetName));
        }

        sink.AddRange(errors.Items);
        return errors.HasErrors ? new(null, sink) : new(new ServiceInfo(meta.Namespace!, meta.Name, clusterIps, selector, ports), sink);
    }
}
