using Npa.Resolver.Model;
using Npa.Resolver.Resolution;

namespace Npa.Tests.Shared.Builders;

/// <summary>A fluent builder of a <see cref="ClusterSnapshot"/> for resolver tests.</summary>
public sealed class ClusterBuilder
{
    private readonly List<NamespaceInfo> _namespaces = [];
    private readonly List<PodInfo> _pods = [];
    private readonly List<NetworkPolicySpec> _policies = [];
    private readonly List<ServiceInfo> _services = [];

    public ClusterBuilder Namespace(string name, string labels = "")
    {
        _namespaces.Add(Spec.Namespace(name, labels));
        return this;
    }

    public ClusterBuilder Pod(string id, string labels, string ips, string ports = "")
    {
        _pods.Add(Spec.Pod(id, labels, ips, ports));
        return this;
    }

    public ClusterBuilder Pod(PodInfo pod)
    {
        _pods.Add(pod);
        return this;
    }

    public ClusterBuilder Policy(NetworkPolicySpec policy)
    {
        _policies.Add(policy);
        return this;
    }

    public ClusterBuilder Service(ServiceInfo service)
    {
        _services.Add(service);
        return this;
    }

    public ClusterSnapshot Build() => new(_namespaces.ToArray(), _pods.ToArray(), _policies.ToArray(), _services.ToArray());
}
