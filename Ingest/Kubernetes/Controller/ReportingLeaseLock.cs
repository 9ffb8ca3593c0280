using System.Net;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Npa.Ingest.Kubernetes.Controller;

/// <summary>
/// A <c>coordination.k8s.io/v1</c> Lease as the leader election lock (get, create, update: the verbs the
/// chart's Role grants), which says why it cannot take the lease. The client library's own lock swallows
/// every failure, so a replica without RBAC on leases would wait for leadership forever without a word;
/// this one logs a refusal (403, or 404 for the resource) at error level naming the missing verb, the
/// first time and then at most once a minute while it lasts. Conflicts (another replica won the race) and
/// a missing Lease object (created next) are the normal course and are not reported.
/// </summary>
internal sealed class ReportingLeaseLock(IKubernetes client, string leaseNamespace, string leaseName, string identity, ILogger logger, TimeSpan retryPeriod) : ILock
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMinutes(1);
    private readonly Lock _gate = new();
    private V1Lease? _cached;
    private int _refusals;
    private string? _lastReported;
    private long _lastReportedAt;

    public string Identity { get; } = identity;

    public async Task<LeaderElectionRecord> GetAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            V1Lease lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(leaseName, leaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            Remember(lease);
            return new LeaderElectionRecord
            {
                HolderIdentity = lease.Spec?.HolderIdentity,
                AcquireTime = lease.Spec?.AcquireTime,
                RenewTime = lease.Spec?.RenewTime,
                LeaseDurationSeconds = lease.Spec?.LeaseDurationSeconds ?? 15,
                LeaderTransitions = lease.Spec?.LeaseTransitions ?? 0,
            };
        }
        catch (HttpOperationException e) when (Refusal(e, "get") is { } problem)
        {
            // The elector treats any error but 404 as "not acquired" and tries again after its retry period.
            Report(problem);
            throw;
        }
    }

    public async Task<bool> CreateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        V1Lease lease = new()
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = leaseName, NamespaceProperty = leaseNamespace },
            Spec = Spec(record),
        };
        try
        {
            Remember(await client.CoordinationV1.CreateNamespacedLeaseAsync(lease, leaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false));
            return true;
        }
        catch (HttpOperationException e)
        {
            Failed(e, "create");
            return false;
        }
    }

    public async Task<bool> UpdateAsync(LeaderElectionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        V1Lease? lease;
        lock (_gate)
        {
            lease = _cached;
        }

        if (lease is null)
        {
            throw new InvalidOperationException("the lease must be read or created before it is updated");
        }

        lease.Spec = Spec(record);
        try
        {
            Remember(await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, leaseName, leaseNamespace, cancellationToken: cancellationToken).ConfigureAwait(false));
            return true;
        }
        catch (HttpOperationException e)
        {
            Failed(e, "update");
            return false;
        }
    }

    public string Describe() => $"{leaseNamespace}/{leaseName}";

    private static V1LeaseSpec Spec(LeaderElectionRecord record) => new()
    {
        HolderIdentity = record.HolderIdentity,
        AcquireTime = record.AcquireTime,
        RenewTime = record.RenewTime,
        LeaseDurationSeconds = record.LeaseDurationSeconds,
        LeaseTransitions = record.LeaderTransitions,
    };

    private void Remember(V1Lease lease)
    {
        lock (_gate)
        {
            _cached = lease;
            _refusals = 0;
            _lastReported = null;
        }
    }

    private ApiAccessProblem? Refusal(HttpOperationException e, string verb) =>
        e.Response is null ? null : ApiAccessProblem.Classify(e.Response.StatusCode, e.Response.Content, verb, "coordination.k8s.io", "v1", "leases", leaseNamespace);

    private void Failed(HttpOperationException e, string verb)
    {
        if (Refusal(e, verb) is { } problem)
        {
            Report(problem);
        }
        else if (e.Response?.StatusCode != HttpStatusCode.Conflict)
        {
            KubernetesLog.LeaseFailed(logger, verb, leaseNamespace, leaseName, e.Message);
        }
    }

    private void Report(ApiAccessProblem problem)
    {
        string text = problem.Describe();
        int refusals;
        lock (_gate)
        {
            refusals = ++_refusals;
            long now = Environment.TickCount64;
            if (text == _lastReported && now - _lastReportedAt < (long)ReportInterval.TotalMilliseconds)
            {
                return;
            }

            _lastReported = text;
            _lastReportedAt = now;
        }

        KubernetesLog.LeaseRefused(logger, leaseNamespace, leaseName, refusals, retryPeriod, text);
    }
}
