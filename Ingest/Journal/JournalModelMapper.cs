using Npa.Resolver.Events;
using System.Net;
using Npa.Resolver.Model;

namespace Npa.Ingest.Journal;

/// <summary>
/// Converts between the resolver's model records and the journal's wire DTOs, both ways and
/// losslessly: <c>ToModel(ToDto(x)) == x</c> for every model value.
/// </summary>
public static class JournalModelMapper
{
    public static JournalEvent Upsert(NamespaceInfo ns) => new()
    {
        Operation = JournalOperation.Upsert, Kind = ResourceKind.Namespace, Name = ns.Name, NamespaceObject = ToDto(ns),
    };

    public static JournalEvent Upsert(PodInfo pod) => new()
    {
        Operation = JournalOperation.Upsert, Kind = ResourceKind.Pod, Namespace = pod.Namespace, Name = pod.Name, Pod = ToDto(pod),
    };

    public static JournalEvent Upsert(NetworkPolicySpec policy) => new()
    {
        Operation = JournalOperation.Upsert, Kind = ResourceKind.NetworkPolicy, Namespace = policy.Namespace, Name = policy.Name,
        Policy = ToDto(policy),
    };

    public static JournalEvent Upsert(ServiceInfo service) => new()
    {
        Operation = JournalOperation.Upsert, Kind = ResourceKind.Service, Namespace = service.Namespace, Name = service.Name,
        Service = ToDto(service),
    };

    public static JournalEvent Upsert(PolicyEndpointSpec endpoint) => new()
    {
        Operation = JournalOperation.Upsert, Kind = ResourceKind.PolicyEndpoint, Namespace = endpoint.Namespace,
        Name = endpoint.Name, PolicyEndpoint = ToDto(endpoint),
    };

    public static JournalEvent Delete(ResourceKind kind, string? ns, string name) => new()
    {
        Operation = JournalOperation.Delete, Kind = kind, Namespace = ns ?? "", Name = name,
    };

    public static JournalEvent Synced(ResourceKind kind) => new() { Operation = JournalOperation.SourceSynced, Kind = kind };

    // ---- to DTO ----

    public static NamespaceDto ToDto(NamespaceInfo ns) => new() { Name = ns.Name, Labels = new(ns.Labels) };

    public static PodDto ToDto(PodInfo pod) => new()
    {
        Namespace = pod.Namespace,
        Name = pod.Name,
        Uid = pod.Uid,
        Labels = new(pod.Labels),
        Ips = pod.Ips.Select(ip => ip.ToString()).ToList(),
        Ports = pod.Ports.Select(p => new ContainerPortDto { Name = p.Name, Port = p.Port, Protocol = (byte)p.Protocol }).ToList(),
        NodeName = pod.NodeName,
        HostIp = pod.HostIp,
        HostNetwork = pod.HostNetwork,
    };

    public static PolicyDto ToDto(NetworkPolicySpec policy) => new()
    {
        Namespace = policy.Namespace,
        Name = policy.Name,
        Uid = policy.Uid,
        PodSelector = ToDto(policy.PodSelector),
        PolicyTypes = (int)policy.PolicyTypes,
        Ingress = policy.Ingress.Select(ToDto).ToList(),
        Egress = policy.Egress.Select(ToDto).ToList(),
    };

    public static ServiceDto ToDto(ServiceInfo service) => new()
    {
        Namespace = service.Namespace,
        Name = service.Name,
        ClusterIps = service.ClusterIps.Select(ip => ip.ToString()).ToList(),
        Selector = service.Selector is null ? null : new(service.Selector),
        Ports = service.Ports.Select(p => new ServicePortDto
        {
            Name = p.Name, Protocol = (byte)p.Protocol, Port = p.Port, TargetPort = p.TargetPort, TargetPortName = p.TargetPortName,
        }).ToList(),
    };

    public static PolicyEndpointDto ToDto(PolicyEndpointSpec pe) => new()
    {
        Namespace = pe.Namespace,
        Name = pe.Name,
        GenerateName = pe.GenerateName,
        PolicyRefName = pe.PolicyRef.Name,
        PolicyRefNamespace = pe.PolicyRef.Namespace,
        PodSelector = pe.PodSelector is null ? null : ToDto(pe.PodSelector),
        PodIsolation = pe.PodIsolation.Select(d => (byte)d).ToList(),
        PodSelectorEndpoints = pe.PodSelectorEndpoints
            .Select(e => new PodEndpointDto { HostIp = e.HostIp, PodIp = e.PodIp, Name = e.Name, Namespace = e.Namespace }).ToList(),
        Ingress = pe.Ingress.Select(ToDto).ToList(),
        Egress = pe.Egress.Select(ToDto).ToList(),
        OwnerUid = pe.OwnerUid,
    };

    private static SelectorDto ToDto(LabelSelector selector) => new()
    {
        MatchLabels = new(selector.MatchLabels),
        MatchExpressions = selector.MatchExpressions
            .Select(r => new RequirementDto { Key = r.Key, Operator = (byte)r.Operator, Values = r.Values.ToList() }).ToList(),
    };

    private static RuleDto ToDto(PolicyRule rule) => new()
    {
        Peers = rule.Peers.Select(p => new PeerDto
        {
            PodSelector = p.PodSelector is null ? null : ToDto(p.PodSelector),
            NamespaceSelector = p.NamespaceSelector is null ? null : ToDto(p.NamespaceSelector),
            Cidr = p.IpBlock?.Cidr.ToString(),
            Except = p.IpBlock?.Except.Select(e => e.ToString()).ToList() ?? [],
        }).ToList(),
        Ports = rule.Ports.Select(p => new PortDto { Protocol = (byte)p.Protocol, Port = p.Port, NamedPort = p.NamedPort, EndPort = p.EndPort })
            .ToList(),
    };

    private static EndpointInfoDto ToDto(EndpointInfo info) => new()
    {
        Cidr = info.Cidr,
        Except = info.Except.ToList(),
        Ports = info.Ports.Select(p => new EndpointPortDto { Protocol = (byte)p.Protocol, Port = p.Port, EndPort = p.EndPort }).ToList(),
    };

    // ---- to model ----

    public static NamespaceInfo ToModel(NamespaceDto dto) => new(dto.Name, Freeze(dto.Labels));

    public static PodInfo ToModel(PodDto dto) =>
        new(dto.Namespace, dto.Name, Freeze(dto.Labels), dto.Ips.Select(IPAddress.Parse).ToArray(),
            dto.Ports.Select(p => new ContainerPort(p.Name, p.Port, (Protocol)p.Protocol)).ToArray())
        {
            Uid = dto.Uid,
            NodeName = dto.NodeName,
            HostIp = dto.HostIp,
            HostNetwork = dto.HostNetwork,
        };

    public static NetworkPolicySpec ToModel(PolicyDto dto) =>
        new(dto.Namespace, dto.Name, ToModel(dto.PodSelector), (PolicyTypes)dto.PolicyTypes,
            dto.Ingress.Select(ToModel).ToArray(), dto.Egress.Select(ToModel).ToArray())
        {
            Uid = dto.Uid,
        };

    public static ServiceInfo ToModel(ServiceDto dto) =>
        new(dto.Namespace, dto.Name, dto.ClusterIps.Select(IPAddress.Parse).ToArray(),
            dto.Selector is null ? null : Freeze(dto.Selector),
            dto.Ports.Select(p => new ServicePort(p.Name, (Protocol)p.Protocol, p.Port, p.TargetPort, p.TargetPortName)).ToArray());

    public static PolicyEndpointSpec ToModel(PolicyEndpointDto dto) =>
        new(dto.Namespace, dto.Name, dto.GenerateName, new PolicyReference(dto.PolicyRefName, dto.PolicyRefNamespace),
            dto.PodSelector is null ? null : ToModel(dto.PodSelector),
            dto.PodIsolation.Select(d => (Direction)d).ToArray(),
            dto.PodSelectorEndpoints.Select(e => new PodEndpoint(e.HostIp, e.PodIp, e.Name, e.Namespace)).ToArray(),
            dto.Ingress.Select(ToModel).ToArray(),
            dto.Egress.Select(ToModel).ToArray())
        {
            OwnerUid = dto.OwnerUid,
        };

    private static LabelSelector ToModel(SelectorDto dto) =>
        new(Freeze(dto.MatchLabels),
            dto.MatchExpressions.Select(r => new SelectorRequirement(r.Key, (SelectorOperator)r.Operator, r.Values.ToArray())).ToArray());

    private static PolicyRule ToModel(RuleDto dto) =>
        new(dto.Peers.Select(p => new PolicyPeer(
                p.PodSelector is null ? null : ToModel(p.PodSelector),
                p.NamespaceSelector is null ? null : ToModel(p.NamespaceSelector),
                p.Cidr is null ? null : new IpBlock(IpPrefix.Parse(p.Cidr), p.Except.Select(IpPrefix.Parse).ToArray()))).ToArray(),
            dto.Ports.Select(p => new PolicyPort((Protocol)p.Protocol, p.Port, p.NamedPort, p.EndPort)).ToArray());

    private static EndpointInfo ToModel(EndpointInfoDto dto) =>
        new(dto.Cidr, dto.Except.ToArray(), dto.Ports.Select(p => new EndpointPort((Protocol)p.Protocol, p.Port, p.EndPort)).ToArray());

    private static Dictionary<string, string> Freeze(Dictionary<string, string> labels) => new(labels, StringComparer.Ordinal);
}
