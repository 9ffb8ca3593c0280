using Npa.Resolver.Model;

namespace Npa.Resolver.Resolution;

/// <summary>
/// A change to one input object of the resolver: the state an object now has, or that it is gone (no
/// resource versions: those belong to the cluster events of <c>Npa.Resolver.Events</c>, which a node
/// maps onto these). Nested, so the two families never clash where both are in scope.
/// </summary>
public abstract record ResolverEvent
{
    private ResolverEvent()
    {
    }

    public sealed record PodUpserted(PodInfo Pod) : ResolverEvent;

    public sealed record PodDeleted(ObjectRef Pod) : ResolverEvent;

    public sealed record NamespaceUpserted(NamespaceInfo Namespace) : ResolverEvent;

    public sealed record NamespaceDeleted(string Name) : ResolverEvent;

    public sealed record PolicyUpserted(NetworkPolicySpec Policy) : ResolverEvent;

    public sealed record PolicyDeleted(ObjectRef Policy) : ResolverEvent;

    public sealed record ServiceUpserted(ServiceInfo Service) : ResolverEvent;

    public sealed record ServiceDeleted(ObjectRef Service) : ResolverEvent;
}
