using System.Text.Json.Nodes;
using Npa.Ingest.Translation;
using Npa.Resolver.Model;

namespace Npa.Ingest.Kubernetes.Controller;

/// <summary>
/// <see cref="PolicyEndpointSpec"/> as the JSON the EKS controller writes
/// (<c>networking.k8s.aws/v1alpha1</c>, same field names, optional fields omitted when empty),
/// so EKS node agents and npa agents read npa's PolicyEndpoints alike.
/// </summary>
public static class PolicyEndpointJson
{
    public const string ApiVersion = $"{ApiResource.PolicyEndpointGroup}/{ApiResource.PolicyEndpointVersion}";

    /// <summary>The label the EKS controller puts on each PolicyEndpoint, naming its NetworkPolicy (<c>kubectl get pe -l</c>).</summary>
    public const string ParentPolicyLabel = "networking.k8s.io/parent-network-policy-name";

    /// <summary>
    /// A new object: generateName <c>&lt;policy&gt;-</c>, owned by the NetworkPolicy (controller,
    /// blockOwnerDeletion), labelled with <paramref name="labels"/> or else with the policy's name as the
    /// EKS controller labels it, unless the name is no valid label value (longer than 63 characters),
    /// which the API server would refuse.
    /// </summary>
    public static JsonObject NewObject(PolicyEndpointSpec spec, string policyUid, IReadOnlyDictionary<string, string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        JsonObject metadata = new()
        {
            ["generateName"] = string.IsNullOrEmpty(spec.GenerateName) ? $"{spec.PolicyRef.Name}-" : spec.GenerateName,
            ["namespace"] = spec.Namespace,
        };
        if (labels is not null)
        {
            if (labels.Count > 0)
            {
                metadata["labels"] = new JsonObject(labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
            }
        }
        else if (IsLabelValue(spec.PolicyRef.Name))
        {
            metadata["labels"] = new JsonObject { [ParentPolicyLabel] = spec.PolicyRef.Name };
        }

        if (!string.IsNullOrEmpty(policyUid))
        {
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "networking.k8s.io/v1",
                ["kind"] = "NetworkPolicy",
                ["name"] = spec.PolicyRef.Name,
                ["uid"] = policyUid,
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            });
        }

        return new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = "PolicyEndpoint",
            ["metadata"] = metadata,
            ["spec"] = Spec(spec),
        };
    }

    /// <summary>The <c>spec</c> object alone.</summary>
    public static JsonObject Spec(PolicyEndpointSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        JsonObject result = [];
        if (spec.PodSelector is not null)
        {
            result["podSelector"] = Selector(spec.PodSelector);
        }

        result["policyRef"] = new JsonObject { ["name"] = spec.PolicyRef.Name, ["namespace"] = spec.PolicyRef.Namespace };
        if (spec.PodIsolation.Count > 0)
        {
            result["podIsolation"] = new JsonArray([.. spec.PodIsolation.Select(d => (JsonNode)(d == Direction.Egress ? "Egress" : "Ingress"))]);
        }

        if (spec.PodSelectorEndpoints.Count > 0)
        {
            result["podSelectorEndpoints"] = new JsonArray([.. spec.PodSelectorEndpoints.Select(p => (JsonNode)new JsonObject
            {
                ["hostIP"] = p.HostIp,
                ["podIP"] = p.PodIp,
                ["name"] = p.Name,
                ["namespace"] = p.Namespace,
            })]);
        }

        result["ingress"] = Endpoints(spec.Ingress);
        result["egress"] = Endpoints(spec.Egress);
        return result;
    }

    private static JsonArray Endpoints(IReadOnlyList<EndpointInfo> list) =>
        new([.. list.Select(e =>
        {
            JsonObject o = new() { ["cidr"] = e.Cidr };
            if (e.Except.Count > 0)
            {
                o["except"] = new JsonArray([.. e.Except.Select(x => (JsonNode)x)]);
            }

            if (e.Ports.Count > 0)
            {
                o["ports"] = new JsonArray([.. e.Ports.Select(p =>
                {
                    JsonObject port = new() { ["protocol"] = Protocol(p.Protocol) };
                    if (p.Port is not null)
                    {
                        port["port"] = p.Port.Value;
                    }

                    if (p.EndPort is not null)
                    {
                        port["endPort"] = p.EndPort.Value;
                    }

                    return (JsonNode)port;
                })]);
            }

            return (JsonNode)o;
        })]);

    /// <summary>A Kubernetes label value: at most 63 characters, alphanumerics with '-', '_' or '.' inside.</summary>
    public static bool IsLabelValue(string value) =>
        value.Length <= 63 && (value.Length == 0 || (char.IsAsciiLetterOrDigit(value[0]) && char.IsAsciiLetterOrDigit(value[^1]) &&
            value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')));

    /// <summary>The CRD admits TCP, UDP and SCTP only, as NetworkPolicy does; anything else is a bug upstream of here.</summary>
    private static string Protocol(Protocol protocol) => protocol is Npa.Resolver.Model.Protocol.Tcp or Npa.Resolver.Model.Protocol.Udp or Npa.Resolver.Model.Protocol.Sctp
        ? ProtocolNames.Format(protocol)
        : throw new ArgumentException($"a PolicyEndpoint port cannot carry protocol {ProtocolNames.Format(protocol)} (TCP, UDP or SCTP only)", nameof(protocol));

    private static JsonObject Selector(LabelSelector selector)
    {
        JsonObject o = [];
        if (selector.MatchLabels.Count > 0)
        {
            o["matchLabels"] = new JsonObject(selector.MatchLabels.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        }

        if (selector.MatchExpressions.Count > 0)
        {
            o["matchExpressions"] = new JsonArray([.. selector.MatchExpressions.Select(r =>
            {
                JsonObject e = new() { ["key"] = r.Key, ["operator"] = r.Operator.ToString() };
                if (r.Values.Count > 0)
                {
                    e["values"] = new JsonArray([.. r.Values.Select(v => (JsonNode)v)]);
                }

                return (JsonNode)e;
            })]);
        }

        return o;
    }
}
