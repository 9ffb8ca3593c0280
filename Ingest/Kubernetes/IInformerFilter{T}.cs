using Npa.Resolver.Model;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// Decides which accepted objects an informer reports and holds. An object that stops passing is
/// reported deleted and only its identity is remembered. A filter whose verdict on other objects
/// changes (because of this one) names them in <see cref="TakeRevisits"/>; the informer then
/// re-evaluates those it holds and fetches those it dropped.
/// </summary>
public interface IInformerFilter<in T>
    where T : class
{
    bool Keep(ObjectRef key, T value);

    /// <summary>The object is gone from the server.</summary>
    void Forget(ObjectRef key);

    /// <summary>Objects whose verdict may have changed since the last call.</summary>
    IReadOnlyList<ObjectRef> TakeRevisits();
}
