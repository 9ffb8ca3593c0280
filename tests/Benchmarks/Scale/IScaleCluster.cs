using System.Text.Json.Nodes;

namespace Npa.Benchmarks.Scale;

/// <summary>The API server the scale benchmark measures against: the in-process fake, or a real one through a kubeconfig.</summary>
internal interface IScaleCluster : IAsyncDisposable
{
    /// <summary>The kubeconfig the npa daemons are given.</summary>
    string Kubeconfig { get; }

    string Description { get; }

    /// <summary>Stores one object as its owner would: a Pod with its status (Running, IPs) already set.</summary>
    Task CreateAsync(string collection, JsonObject obj, CancellationToken cancellationToken);

    Task DeleteAsync(string collection, string ns, string name, CancellationToken cancellationToken);

    /// <summary>Applies a JSON merge patch to the metadata of one object (a relabel).</summary>
    Task PatchAsync(string collection, string ns, string name, JsonObject mergePatch, CancellationToken cancellationToken);

    /// <summary>PolicyEndpoint writes (create, update, patch, delete) made so far by anyone but the benchmark.</summary>
    long PolicyEndpointWrites();

    /// <summary>Starts reporting every PolicyEndpoint change to <paramref name="tracker"/> (and the current ones first).</summary>
    Task FollowAsync(PolicyEndpointTracker tracker, CancellationToken cancellationToken);
}
