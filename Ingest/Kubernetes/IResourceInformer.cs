namespace Npa.Ingest.Kubernetes;

/// <summary>What a source needs of an informer, whatever its model type.</summary>
public interface IResourceInformer
{
    ApiResource Resource { get; }

    /// <summary>Completes once the first full list has been reported.</summary>
    Task Ready { get; }

    InformerCounters Counters { get; }

    Task RunAsync(CancellationToken cancellationToken);
}
