using System.Threading.Channels;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npa.Resolver.Events;
using Npa.Resolver.Model;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// The cluster as an event source: one informer per kind in the scope, all writing domain events to
/// one channel (created and owned by the caller; bounded with <c>FullMode.Wait</c> so nothing is lost).
/// </summary>
public static class KubernetesSource
{
    /// <summary>
    /// A client from a kubeconfig file; with no path, the in-cluster service account when running
    /// in a pod, else <c>$KUBECONFIG</c> or <c>~/.kube/config</c>.
    /// </summary>
    public static k8s.Kubernetes CreateClient(string? kubeconfigPath, string? context = null)
    {
        KubernetesClientConfiguration config =
            kubeconfigPath is not null ? KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath, context) :
            KubernetesClientConfiguration.IsInCluster() ? KubernetesClientConfiguration.InClusterConfig() :
            KubernetesClientConfiguration.BuildDefaultConfig();
        return new k8s.Kubernetes(config);
    }

    /// <summary>
    /// Lists and watches what <paramref name="scope"/> names using the kubeconfig at
    /// <paramref name="kubeconfigPath"/> (see <see cref="CreateClient"/>), writing events to
    /// <paramref name="events"/> until <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public static RunningSource Start(
        string? kubeconfigPath,
        SourceScope scope,
        ChannelWriter<ClusterEvent> events,
        CancellationToken cancellationToken,
        ILoggerFactory? loggers = null,
        InformerOptions? options = null) =>
        Start(CreateClient(kubeconfigPath), scope, events, cancellationToken, loggers, options, ownsClient: true);

    public static RunningSource Start(
        k8s.Kubernetes client,
        SourceScope scope,
        ChannelWriter<ClusterEvent> events,
        CancellationToken cancellationToken,
        ILoggerFactory? loggers = null,
        InformerOptions? options = null,
        bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(events);
        loggers ??= NullLoggerFactory.Instance;
        IReadOnlyList<IResourceInformer> informers = CreateInformers(new KubernetesWatchApi(client), scope, events, loggers, options);
        CancellationTokenSource stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // On a node, PolicyEndpoints are judged by the node's pods, so their informer waits for the pod list.
        IResourceInformer? pods = scope.NodeName is null ? null : informers.FirstOrDefault(i => i.Resource.Kind == ResourceKind.Pod);
        Task completion = Task.WhenAll(informers.Select(i => Task.Run(
            async () =>
            {
                if (pods is not null && i.Resource.Kind == ResourceKind.PolicyEndpoint)
                {
                    await pods.Ready.WaitAsync(stop.Token).ConfigureAwait(false);
                }

                await i.RunAsync(stop.Token).ConfigureAwait(false);
            },
            CancellationToken.None)));
        return new RunningSource(informers, completion, stop, ownsClient ? client : null);
    }

    internal static IReadOnlyList<IResourceInformer> CreateInformers(
        IWatchApi api, SourceScope scope, ChannelWriter<ClusterEvent> events, ILoggerFactory loggers, InformerOptions? options)
    {
        ILogger logger = loggers.CreateLogger("Npa.Ingest.Kubernetes");
        List<IResourceInformer> informers = [];
        bool onNode = scope.NodeName is not null;
        if (scope.Kinds.Contains(ResourceKind.Namespace))
        {
            informers.Add(new ResourceInformer<NamespaceInfo>(api, ApiResource.Namespaces, ResourceDescriptors.Namespaces, events, options, logger));
        }

        PolicyEndpointRelevance? relevance = onNode && scope.Kinds.Contains(ResourceKind.PolicyEndpoint)
            ? new PolicyEndpointRelevance(scope.NodeName!, scope.NodeIps)
            : null;
        if (scope.Kinds.Contains(ResourceKind.Pod))
        {
            ApiResource pods = onNode ? ApiResource.PodsOnNode(scope.NodeName!) : ApiResource.Pods;
            informers.Add(new ResourceInformer<PodInfo>(api, pods, ResourceDescriptors.Pods, events, options, logger)
            {
                Filter = relevance?.PodObserver,
            });
        }

        if (scope.Kinds.Contains(ResourceKind.NetworkPolicy))
        {
            informers.Add(new ResourceInformer<NetworkPolicySpec>(api, ApiResource.NetworkPolicies, ResourceDescriptors.NetworkPolicies, events, options, logger));
        }

        if (scope.Kinds.Contains(ResourceKind.Service))
        {
            informers.Add(new ResourceInformer<ServiceInfo>(api, ApiResource.Services, ResourceDescriptors.Services, events, options, logger));
        }

        InformerOptions general = options ?? new InformerOptions();
        InformerOptions endpoints = general with { PageSize = Math.Min(general.PageSize, general.PolicyEndpointPageSize) };
        if (scope.Kinds.Contains(ResourceKind.PolicyEndpoint) && !onNode)
        {
            informers.Add(new ResourceInformer<PolicyEndpointSpec>(api, ApiResource.PolicyEndpoints, ResourceDescriptors.PolicyEndpoints, events, endpoints, logger));
        }
        else if (scope.Kinds.Contains(ResourceKind.PolicyEndpoint))
        {
            // Two slices (docs/distribution.md): what our controller labelled for this node, which needs no
            // filter, and what a controller that does not label wrote, judged by the node's pods. One
            // merge in front of the channel makes them one collection.
            PolicyEndpointSlices slices = new(events, sliceCount: 2);
            informers.Add(new ResourceInformer<PolicyEndpointSpec>(api, ApiResource.PolicyEndpointsForNode(scope.NodeName!), ResourceDescriptors.PolicyEndpoints, slices.Writer(0), endpoints, logger)
            {
                Filter = relevance!.NodeScopedObserver,
            });
            informers.Add(new ResourceInformer<PolicyEndpointSpec>(api, ApiResource.PolicyEndpointsUnmarked, ResourceDescriptors.PolicyEndpoints, slices.Writer(1), endpoints, logger)
            {
                Filter = relevance,
            });
        }

        return informers;
    }
}
