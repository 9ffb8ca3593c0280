using Npa.Resolver.Model;

namespace Npa.Ingest.Kubernetes.Controller;

/// <summary>
/// Splits PolicyEndpoints whose ingress, egress or podSelectorEndpoints lists are longer than the
/// chunk size (the EKS controller's <c>--endpoint-chunk-size</c>, 200 by default) into several
/// objects. Chunk i carries entries [i·n, (i+1)·n) of each list plus the policy's selector,
/// reference and isolation, so every chunk is a valid PolicyEndpoint of the same policy.
/// </summary>
public static class PolicyEndpointChunker
{
    public const int DefaultChunkSize = 200;

    public static IReadOnlyList<PolicyEndpointSpec> Chunk(IEnumerable<PolicyEndpointSpec> specs, int chunkSize = DefaultChunkSize)
    {
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        List<PolicyEndpointSpec> result = [];
        foreach (PolicyEndpointSpec spec in specs)
        {
            int longest = Math.Max(spec.PodSelectorEndpoints.Count, Math.Max(spec.Ingress.Count, spec.Egress.Count));
            if (longest <= chunkSize)
            {
                result.Add(spec);
                continue;
            }

            for (int start = 0; start < longest; start += chunkSize)
            {
                result.Add(spec with
                {
                    PodSelectorEndpoints = Slice(spec.PodSelectorEndpoints, start, chunkSize),
                    Ingress = Slice(spec.Ingress, start, chunkSize),
                    Egress = Slice(spec.Egress, start, chunkSize),
                });
            }
        }

        return result;
    }

    private static T[] Slice<T>(IReadOnlyList<T> list, int start, int count) =>
        start >= list.Count ? [] : [.. list.Skip(start).Take(count)];
}
