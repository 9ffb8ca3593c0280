using System.Net;
using System.Text.Json.Nodes;
using Npa.Resolver.Model;

namespace Npa.Ingest.Translation;

/// <summary>
/// v1 Pod JSON to <see cref="PodInfo"/>: labels, container ports (name, number, protocol), node,
/// host network and <c>status.podIP</c>/<c>status.podIPs</c>. Pods that have terminated
/// (phase Succeeded or Failed) hold no address any more and are returned with no IPs.
/// </summary>
public static class PodTranslator
{
    public static TranslationResult<PodInfo> Translate(JsonObject obj, string source = "input")
    {
        ArgumentNullException.ThrowIfNull(obj);
        List<Diagnostic> sink = [];
        ObjectMeta? meta = ObjectMeta.Read(obj, "Pod", namespaced: true, source, sink);
        if (meta is null)
        {
            return new(null, sink);
        }

        FieldErrors errors = new(meta.Kind, meta.Namespace, meta.Name);
        Dictionary<string, string> labels = errors.StringMap(meta.Metadata?["labels"], "metadata.labels");
        JsonObject spec = errors.OptionalObject(obj["spec"], "spec") ?? [];
        JsonObject status = errors.OptionalObject(obj["status"], "status") ?? [];

        List<ContainerPort> ports = [];
        JsonArray? containers = errors.OptionalArray(spec["containers"], "spec.containers");
        for (int c = 0; containers is not null && c < containers.Count; c++)
        {
            JsonObject? container = errors.OptionalObject(containers[c], $"spec.containers[{c}]");
            JsonArray? list = container is null ? null : errors.OptionalArray(container["ports"], $"spec.containers[{c}].ports");
            for (int p = 0; list is not null && p < list.Count; p++)
            {
                string at = $"spec.containers[{c}].ports[{p}]";
                JsonObject? port = errors.OptionalObject(list[p], at);
                if (port is null)
                {
                    continue;
                }

                long? number = errors.OptionalInteger(port["containerPort"], $"{at}.containerPort");
                if (number is null or < 1 or > 65535)
                {
                    errors.Error($"{at}.containerPort", number is null ? "is required" : $"{number} is out of range (1-65535)");
                    continue;
                }

                string? name = errors.OptionalString(port["name"], $"{at}.name");
                if (name is not null && !LabelSyntax.IsPortName(name))
                {
                    errors.Error($"{at}.name", $"'{name}' is not a valid port name (1-15 lowercase letters, digits and '-', at least one letter)");
                    continue;
                }

                string? protoText = errors.OptionalString(port["protocol"], $"{at}.protocol");
                Protocol protocol = protoText is null ? Protocol.Tcp : ProtocolNames.Parse(protoText);
                if (protocol == Protocol.Unknown)
                {
                    errors.Error($"{at}.protocol", $"'{protoText}' is not a supported protocol (TCP, UDP, SCTP)");
                    continue;
                }

                ports.Add(new ContainerPort(string.IsNullOrEmpty(name) ? null : name, (int)number, protocol));
            }
        }

        List<IPAddress> ips = [];
        errors.AddAddress(errors.OptionalString(status["podIP"], "status.podIP"), "status.podIP", ips);
        JsonArray? podIps = errors.OptionalArray(status["podIPs"], "status.podIPs");
        for (int i = 0; podIps is not null && i < podIps.Count; i++)
        {
            JsonObject? entry = errors.OptionalObject(podIps[i], $"status.podIPs[{i}]");
            errors.AddAddress(entry is null ? null : errors.OptionalString(entry["ip"], $"status.podIPs[{i}].ip"), $"status.podIPs[{i}].ip", ips);
        }

        if (ips.Count(ip => ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) > 1 ||
            ips.Count(ip => ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) > 1)
        {
            errors.Error("status.podIPs", "may hold at most one IPv4 and one IPv6 address");
        }

        string? phase = errors.OptionalString(status["phase"], "status.phase");
        if (phase is "Succeeded" or "Failed")
        {
            ips.Clear();
        }

        sink.AddRange(errors.Items);
        if (errors.HasErrors)
        {
            return new(null, sink);
        }

        PodInfo pod = new(meta.Namespace!, meta.Name, labels, ips, ports)
        {
            Uid = meta.Uid,
            NodeName = errors.OptionalString(spec["nodeName"], "spec.nodeName"),
            HostIp = errors.OptionalString(status["hostIP"], "status.hostIP"),
            HostNetwork = errors.OptionalBool(spec["hostNetwork"], "spec.hostNetwork") ?? false,
        };
        return new(pod, sink);
    }
}
