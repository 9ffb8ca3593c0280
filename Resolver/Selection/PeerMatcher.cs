using Npa.Resolver.Model;

namespace Npa.Resolver.Selection;

/// <summary>Whether a NetworkPolicy peer (podSelector and/or namespaceSelector) selects a pod.</summary>
public static class PeerMatcher
{
    /// <summary>
    /// True when the pod-selecting <paramref name="peer"/> of a policy in <paramref name="policyNamespace"/>
    /// selects <paramref name="pod"/>: podSelector alone means pods of the policy's namespace,
    /// namespaceSelector alone means every pod of the matching namespaces, both means matching pods in
    /// matching namespaces. ipBlock peers select no pod here. Host-network pods are never selected.
    /// </summary>
    public static bool SelectsPod(PolicyPeer peer, string policyNamespace, PodInfo pod, IReadOnlyDictionary<string, string> podNamespaceLabels)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(pod);
        if (peer.IpBlock is not null || pod.HostNetwork)
        {
            return false;
        }

        if (peer.NamespaceSelector is null)
        {
            if (pod.Namespace != policyNamespace)
            {
                return false;
            }
        }
        else if (!peer.NamespaceSelector.Matches(podNamespaceLabels))
        {
            return false;
        }

        return peer.PodSelector is null || peer.PodSelector.Matches(pod.Labels);
    }

    /// <summary>True when the namespaceSelector side of the peer admits a namespace with these labels.</summary>
    public static bool AdmitsNamespace(PolicyPeer peer, string policyNamespace, string ns, IReadOnlyDictionary<string, string> nsLabels)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (peer.IpBlock is not null)
        {
            return false;
        }

        return peer.NamespaceSelector is null ? ns == policyNamespace : peer.NamespaceSelector.Matches(nsLabels);
    }
}
