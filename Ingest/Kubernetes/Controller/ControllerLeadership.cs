using k8s;
using k8s.LeaderElection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Npa.Ingest.Kubernetes.Controller;

/// <summary>
/// Leader election for controller replicas over a <c>coordination.k8s.io/v1</c> Lease: only the
/// holder writes PolicyEndpoints. <see cref="RunAsync"/> runs <c>lead</c> while this replica holds
/// the lease and cancels it as soon as the lease is lost, then competes again. The lease is read,
/// created and replaced (RBAC verbs get, create, update); a refusal is logged naming the missing verb.
/// </summary>
public sealed class ControllerLeadership
{
    public const string DefaultLeaseName = "npa-controller";

    private readonly IKubernetes _client;
    private readonly ILogger _logger;

    public ControllerLeadership(IKubernetes client, string leaseNamespace, string identity, ILogger? logger = null, string leaseName = DefaultLeaseName)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentException.ThrowIfNullOrWhiteSpace(leaseNamespace);
        ArgumentException.ThrowIfNullOrWhiteSpace(identity);
        LeaseNamespace = leaseNamespace;
        Identity = identity;
        LeaseName = leaseName;
        _logger = logger ?? NullLogger.Instance;
    }

    public string LeaseNamespace { get; }

    public string LeaseName { get; }

    public string Identity { get; }

    /// <summary>How long a lease is valid without renewal (client-go default 15 s).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leading (10 s).</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between attempts to acquire or renew (2 s).</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>True while this replica holds the lease.</summary>
    public bool IsLeader { get; private set; }

    /// <summary>Competes for the lease until cancelled; runs <paramref name="lead"/> during each term.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lead);
        while (!cancellationToken.IsCancellationRequested)
        {
            ReportingLeaseLock leaseLock = new(_client, LeaseNamespace, LeaseName, Identity, _logger, RetryPeriod);
            using LeaderElector elector = new(new LeaderElectionConfig(leaseLock)
            {
                LeaseDuration = LeaseDuration,
                RenewDeadline = RenewDeadline,
                RetryPeriod = RetryPeriod,
            });
            using CancellationTokenSource term = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task leading = Task.CompletedTask;
            elector.OnStartedLeading += () =>
            {
                IsLeader = true;
                KubernetesLog.Leadership(_logger, Identity, "acquired", LeaseNamespace, LeaseName);
                leading = Task.Run(() => lead(term.Token), CancellationToken.None);
            };
            elector.OnStoppedLeading += () =>
            {
                IsLeader = false;
                KubernetesLog.Leadership(_logger, Identity, "lost", LeaseNamespace, LeaseName);
                term.Cancel();
            };
            elector.OnNewLeader += leader => KubernetesLog.Leadership(_logger, leader, "holds", LeaseNamespace, LeaseName);
            try
            {
                await elector.RunUntilLeadershipLostAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping.
            }
            finally
            {
                await term.CancelAsync().ConfigureAwait(false);
                try
                {
                    await leading.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The term ended.
                }
            }
        }
    }
}
