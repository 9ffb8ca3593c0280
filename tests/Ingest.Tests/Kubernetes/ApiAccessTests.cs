using System.Net;
using Microsoft.Extensions.Logging;
using Npa.Ingest.Kubernetes;
using Npa.Ingest.Kubernetes.Controller;
using Npa.Ingest.Tests.Kubernetes.FakeApiServer;
using Npa.Resolver.Model;
using Npa.Tests.Shared;
using Server = Npa.Ingest.Tests.Kubernetes.FakeApiServer.FakeApiServer;

namespace Npa.Ingest.Tests.Kubernetes;

/// <summary>
/// What the agent and the controller do when the cluster is not set up for them: the PolicyEndpoint CRD
/// is not installed (404 for the resource) or RBAC does not grant a verb (403). Each keeps retrying with
/// backoff, logs at error level what is missing and how to fix it, and carries on once it is fixed.
/// </summary>
public sealed class ApiAccessTests
{
    private static readonly InformerOptions Fast = new() { RetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(50) };

    private static readonly PolicyReference Web = new("web", "shop");

    private static PolicyEndpointSpec Desired() => new(
        "shop", "", "web-", Web, LabelSelector.Everything, [Direction.Ingress],
        [new PodEndpoint("10.0.0.1", "192.168.1.1", "web-1", "shop")],
        [new EndpointInfo("10.1.0.0/16", [], [new EndpointPort(Protocol.Tcp, 443, null)])], [])
    {
        OwnerUid = "uid-web",
    };

    private static PolicyEndpointWriter FastWriter(k8s.Kubernetes client, ILogger logger) => new(client, logger: logger)
    {
        AccessRetryDelay = TimeSpan.FromMilliseconds(10),
        MaxAccessRetryDelay = TimeSpan.FromMilliseconds(50),
    };

    private static int Requests(Server server, string collection, string verb) =>
        server.Requests.Count(r => r.Attributes is { } a && a.Collection == collection && a.Verb == verb);

    private static IReadOnlyList<LoggedEntry> Errors(LogRecorder log, string containing) =>
        [.. log.Entries.Where(e => e.Level == LogLevel.Error && e.Message.Contains(containing, StringComparison.Ordinal))];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Agent_WithoutThePolicyEndpointCrd_SaysTheCrdIsMissing_KeepsRetrying_AndSyncsOnceItIsInstalled(bool plainText404)
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-1", "192.168.1.1", node: "node-1"));
        server.Upsert(KubeObjects.PolicyEndpoints, KubeObjects.PolicyEndpoint("shop", "web-abcde", "web", ("web-1", "192.168.1.1", "10.0.0.1")));
        server.Unserve(KubeObjects.PolicyEndpoints, plainText404);
        LogRecorder log = new();
        await using EventRecorder recorder = new();
        await using RunningSource source = KubernetesSource.Start(KubeObjects.Client(server), SourceScope.Agent("node-1"), recorder.Channel.Writer, CancellationToken.None, log, Fast, ownsClient: true);

        await ResourceInformerTests.Eventually(() => Requests(server, KubeObjects.PolicyEndpoints, "list") >= 3, "three attempts to list PolicyEndpoints");
        Assert.False(source.Ready.IsCompleted);
        LoggedEntry error = Errors(log, "policyendpoints.networking.k8s.aws")[0];
        Assert.Contains("CustomResourceDefinition policyendpoints.networking.k8s.aws (networking.k8s.aws/v1alpha1) is not installed", error.Message, StringComparison.Ordinal);
        Assert.Null(error.Exception);

        server.Serve(KubeObjects.PolicyEndpoints);
        await source.Ready.WaitAsync(TestTimeouts.Default);
        await recorder.WaitUntilAsync(e => e.OfType<Npa.Resolver.Events.PolicyEndpointUpserted>().Any(), "the PolicyEndpoint once the CRD serves it");
    }

    [Fact]
    public async Task Agent_ForbiddenToListPods_NamesTheMissingVerbAndResource_AndSyncsOnceGranted()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-1", "192.168.1.1", node: "node-1"));
        server.Forbid(KubeObjects.Pods, "list");
        LogRecorder log = new();
        await using EventRecorder recorder = new();
        await using RunningSource source = KubernetesSource.Start(KubeObjects.Client(server), SourceScope.Agent("node-1"), recorder.Channel.Writer, CancellationToken.None, log, Fast, ownsClient: true);

        await ResourceInformerTests.Eventually(() => Requests(server, KubeObjects.Pods, "list") >= 3, "three attempts to list pods");
        LoggedEntry error = Errors(log, "forbidden to list pods cluster-wide")[0];
        Assert.Contains("lacks RBAC verb 'list' on resource 'pods' in API group ''", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot list resource \"pods\"", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, Requests(server, KubeObjects.PolicyEndpoints, "list"));

        server.Permit(KubeObjects.Pods);
        await source.Ready.WaitAsync(TestTimeouts.Default);
    }

    [Fact]
    public async Task Writer_ForbiddenToCreate_RetriesWithBackoffNamingTheVerb_AndCreatesOnceGranted()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        server.Forbid(KubeObjects.PolicyEndpoints, "create");
        LogRecorder log = new();
        PolicyEndpointWriter writer = FastWriter(client, log);

        Task<ReconcileResult> reconcile = writer.ReconcileAsync(Web, [Desired()], CancellationToken.None);
        await ResourceInformerTests.Eventually(() => Requests(server, KubeObjects.PolicyEndpoints, "create") >= 3, "three attempts to create");
        Assert.False(reconcile.IsCompleted);
        IReadOnlyList<LoggedEntry> errors = Errors(log, "forbidden to create policyendpoints.networking.k8s.aws in namespace shop");
        Assert.NotEmpty(errors);
        Assert.Contains("lacks RBAC verb 'create' on resource 'policyendpoints' in API group 'networking.k8s.aws'", errors[0].Message, StringComparison.Ordinal);
        Assert.Empty(server.Objects(KubeObjects.PolicyEndpoints));

        server.Permit(KubeObjects.PolicyEndpoints);
        Assert.Equal(new ReconcileResult(1, 0, 0, 0), await reconcile.WaitAsync(TestTimeouts.Default));
        Assert.Single(server.Objects(KubeObjects.PolicyEndpoints));
    }

    [Fact]
    public async Task Writer_NotAllowedToBlockOwnerDeletion_NamesTheFinalizersRule_AndCreatesOnceGranted()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        string finalizers = $"{KubeObjects.NetworkPolicies}/finalizers";
        server.Forbid(finalizers, "update");
        LogRecorder log = new();
        PolicyEndpointWriter writer = FastWriter(client, log);

        Task<ReconcileResult> reconcile = writer.ReconcileAsync(Web, [Desired()], CancellationToken.None);
        await ResourceInformerTests.Eventually(() => Requests(server, KubeObjects.PolicyEndpoints, "create") >= 3, "three attempts to create");
        Assert.Contains(
            "the service account needs 'update' on networkpolicies/finalizers in API group networking.k8s.io",
            Errors(log, "with an ownerReference that blocks owner deletion")[0].Message,
            StringComparison.Ordinal);

        server.Permit(finalizers);
        Assert.Equal(1, (await reconcile.WaitAsync(TestTimeouts.Default)).Created);
    }

    [Fact]
    public async Task Agent_ForbiddenToWatchPods_ListsThemButSaysWatchIsMissing()
    {
        await using Server server = await Server.StartAsync();
        server.Upsert(KubeObjects.Pods, KubeObjects.Pod("shop", "web-1", "192.168.1.1", node: "node-1"));
        server.Forbid(KubeObjects.Pods, "watch");
        LogRecorder log = new();
        await using EventRecorder recorder = new();
        await using RunningSource source = KubernetesSource.Start(KubeObjects.Client(server), SourceScope.Agent("node-1"), recorder.Channel.Writer, CancellationToken.None, log, Fast, ownsClient: true);

        await ResourceInformerTests.Eventually(() => Requests(server, KubeObjects.Pods, "watch") >= 3, "three attempts to watch pods");
        Assert.Equal(1, Requests(server, KubeObjects.Pods, "list"));
        Assert.Contains("lacks RBAC verb 'watch' on resource 'pods'", Errors(log, "forbidden to watch pods cluster-wide")[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writer_WithoutTheCrd_SaysSo_AndStopsRetryingWhenCancelled()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        server.Unserve(KubeObjects.PolicyEndpoints);
        LogRecorder log = new();
        PolicyEndpointWriter writer = FastWriter(client, log);
        using CancellationTokenSource stop = new();

        Task<ReconcileResult> reconcile = writer.ReconcileAsync(Web, [Desired()], stop.Token);
        await ResourceInformerTests.Eventually(() => Requests(server, KubeObjects.PolicyEndpoints, "list") >= 3, "three attempts to list");
        Assert.Contains("is not installed", Errors(log, "does not serve policyendpoints.networking.k8s.aws (list in namespace shop)")[0].Message, StringComparison.Ordinal);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reconcile.WaitAsync(TestTimeouts.Default));
    }

    [Fact]
    public async Task Writer_DeletingAnObjectThatIsAlreadyGone_IsNotAnAccessProblem()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        LogRecorder log = new();
        PolicyEndpointWriter writer = FastWriter(client, log);
        await writer.ReconcileAsync(Web, [Desired()], CancellationToken.None).WaitAsync(TestTimeouts.Default);

        // The garbage collector removed it behind the writer's back: the delete gets 404 for that name.
        string name = server.Objects(KubeObjects.PolicyEndpoints).Single()["metadata"]!["name"]!.GetValue<string>();
        server.Delete(KubeObjects.PolicyEndpoints, "shop", name);
        ReconcileResult gone = await writer.DeleteAllAsync(Web, CancellationToken.None).WaitAsync(TestTimeouts.Default);

        Assert.Equal(1, gone.Deleted);
        Assert.Equal(1, Requests(server, KubeObjects.PolicyEndpoints, "delete"));
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task Leadership_ForbiddenOnLeases_SaysWhichVerbIsMissing_AndLeadsOnceGranted()
    {
        await using Server server = await Server.StartAsync();
        using k8s.Kubernetes client = KubeObjects.Client(server);
        const string Leases = "apis/coordination.k8s.io/v1/leases";
        server.Forbid(Leases, "get", "create", "update");
        LogRecorder log = new();
        ControllerLeadership leadership = new(client, "kube-system", "replica-a", log)
        {
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(50),
        };
        TaskCompletionSource leading = new(TaskCreationOptions.RunContinuationsAsynchronously);
        using CancellationTokenSource stop = new();
        Task run = leadership.RunAsync(
            async token =>
            {
                leading.TrySetResult();
                await Task.Delay(Timeout.Infinite, token);
            },
            stop.Token);

        await ResourceInformerTests.Eventually(() => Requests(server, Leases, "get") >= 3, "three attempts to read the lease");
        Assert.False(leading.Task.IsCompleted);
        LoggedEntry error = Errors(log, "lease kube-system/npa-controller refused")[0];
        Assert.Contains("lacks RBAC verb 'get' on resource 'leases' in API group 'coordination.k8s.io'", error.Message, StringComparison.Ordinal);
        Assert.Single(Errors(log, "lease kube-system/npa-controller refused"));

        server.Permit(Leases);
        await leading.Task.WaitAsync(TestTimeouts.Default);
        await stop.CancelAsync();
        await run.WaitAsync(TestTimeouts.Default);
    }

    [Fact]
    public void Classify_TellsAccessProblemsFromOrdinaryNotFoundAndTerminatingNamespaces()
    {
        ApiAccessProblem? Classify(HttpStatusCode status, string body) =>
            ApiAccessProblem.Classify(status, body, "create", "networking.k8s.aws", "v1alpha1", "policyendpoints", "shop");

        const string ObjectGone = """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"policyendpoints.networking.k8s.aws \"web-abcde\" not found","reason":"NotFound","details":{"name":"web-abcde","group":"networking.k8s.aws","kind":"policyendpoints"},"code":404}""";
        const string NamespaceGone = """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"namespaces \"shop\" not found","reason":"NotFound","details":{"name":"shop","kind":"namespaces"},"code":404}""";
        const string Terminating = """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"policyendpoints.networking.k8s.aws \"web-\" is forbidden: unable to create new content in namespace shop because it is being terminated","reason":"Forbidden","code":403}""";
        const string Unserved = """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}""";
        const string OwnerBlocked = """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"policyendpoints.networking.k8s.aws \"web-\" is forbidden: cannot set blockOwnerDeletion if an ownerReference refers to a resource you can't set finalizers on: , <nil>","reason":"Forbidden","code":403}""";

        Assert.Null(Classify(HttpStatusCode.NotFound, ObjectGone));
        Assert.Null(Classify(HttpStatusCode.NotFound, NamespaceGone));
        Assert.Null(Classify(HttpStatusCode.Forbidden, Terminating));
        Assert.Null(Classify(HttpStatusCode.Conflict, ObjectGone));
        Assert.Equal(ApiAccessKind.NotServed, Classify(HttpStatusCode.NotFound, Unserved)?.Kind);
        Assert.Equal(ApiAccessKind.NotServed, Classify(HttpStatusCode.NotFound, "404 page not found\n")?.Kind);
        ApiAccessProblem? owner = Classify(HttpStatusCode.Forbidden, OwnerBlocked);
        Assert.Equal(ApiAccessKind.Forbidden, owner?.Kind);
        Assert.Contains("needs 'update' on networkpolicies/finalizers in API group networking.k8s.io", owner!.Describe(), StringComparison.Ordinal);
    }
}
