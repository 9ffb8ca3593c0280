using Npa.Ingest.Translation;
using Npa.Resolver.Events;
using Npa.Resolver.Model;

namespace Npa.Ingest.Kubernetes;

/// <summary>The descriptors of every kind the pipeline watches.</summary>
public static class ResourceDescriptors
{
    public static ResourceDescriptor<NamespaceInfo> Namespaces { get; } = new()
    {
        Kind = ResourceKind.Namespace,
        Translate = NamespaceTranslator.Translate,
        Upserted = (ns, rv) => new NamespaceUpserted(ns, rv),
        Deleted = (ns, _, rv, synthetic) => new NamespaceDeleted(ns.Name, rv, synthetic),
    };

    public static ResourceDescriptor<PodInfo> Pods { get; } = new()
    {
        Kind = ResourceKind.Pod,
        Translate = PodTranslator.Translate,
        Upserted = (pod, rv) => new PodUpserted(pod, rv),
        Deleted = (pod, uid, rv, synthetic) => new PodDeleted(pod.Ref, uid, rv, synthetic),
    };

    public static ResourceDescriptor<NetworkPolicySpec> NetworkPolicies { get; } = new()
    {
        Kind = ResourceKind.NetworkPolicy,
        Translate = NetworkPolicyTranslator.Translate,
        Upserted = (policy, rv) => new PolicyUpserted(policy, rv),
        Deleted = (policy, uid, rv, synthetic) => new PolicyDeleted(policy.Ref, uid, rv, synthetic),
    };

    public static ResourceDescriptor<ServiceInfo> Services { get; } = new()
    {
        Kind = ResourceKind.Service,
        Translate = ServiceTranslator.Translate,
        Upserted = (service, rv) => new ServiceUpserted(service, rv),
        Deleted = (service, _, rv, synthetic) => new ServiceDeleted(service.Ref, rv, synthetic),
    };

    public static ResourceDescriptor<PolicyEndpointSpec> PolicyEndpoints { get; } = new()
    {
        Kind = ResourceKind.PolicyEndpoint,
        Translate = PolicyEndpointTranslator.Translate,
        Upserted = (pe, rv) => new PolicyEndpointUpserted(pe, rv),
        Deleted = (pe, _, rv, synthetic) => new PolicyEndpointDeleted(new ObjectRef(pe.Namespace, pe.Name), pe.PolicyRef, rv, synthetic),
    };
}
