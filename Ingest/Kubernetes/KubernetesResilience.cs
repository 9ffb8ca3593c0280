using System.Net.Http;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Npa.Ingest.Kubernetes;

/// <summary>
/// The resilience pipelines of the Kubernetes edge, built in one place. Watches and lists retry
/// forever with exponential backoff and jitter; 410 Gone is not retried here (it means relist),
/// and neither is cancellation.
/// </summary>
public static class KubernetesResilience
{
    /// <summary>Name of the pipeline that guards list and watch calls.</summary>
    public const string WatchPipelineName = "npa-kubernetes-watch";

    /// <summary>Name of the pipeline that guards PolicyEndpoint writes and lease updates.</summary>
    public const string WritePipelineName = "npa-kubernetes-write";

    /// <summary>Failures that go away by themselves: lost connections, timeouts, throttling, 5xx.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        ApiStatusException api => api.IsTransient,
        k8s.Autorest.HttpOperationException op => op.Response is null ||
            (int)op.Response.StatusCode is 429 or 408 or >= 500,
        HttpRequestException or IOException or TimeoutException => true,
        JsonException => true,
        WatchEndedEarlyException => true,
        _ => false,
    };

    /// <summary>
    /// A watch keeps going whatever the failure (a missing CRD or RBAC rule may be fixed while the
    /// agent runs), except for 410 Gone, which the informer handles itself, a closed event channel
    /// (the consumer stopped) and cancellation (checked by the pipeline's predicate).
    /// </summary>
    public static bool ShouldRetryWatch(Exception e) =>
        !(e is ApiStatusException { IsGone: true }) && e is not WatchExpiredException && e is not System.Threading.Channels.ChannelClosedException;

    public static ResiliencePipeline BuildWatchPipeline(InformerOptions options, TimeProvider time, ILogger logger, string what)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ResiliencePipelineBuilder { Name = WatchPipelineName, InstanceName = what, TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => new ValueTask<bool>(
                    args.Outcome.Exception is { } e && ShouldRetryWatch(e) && !args.Context.CancellationToken.IsCancellationRequested),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxRetryAttempts = int.MaxValue,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                OnRetry = args =>
                {
                    Exception? e = args.Outcome.Exception;
                    if (e is not null && AccessProblemOf(e) is { } problem)
                    {
                        KubernetesLog.AccessRefused(logger, what, args.AttemptNumber + 1, args.RetryDelay, problem.Describe());
                    }
                    else if (e is not null && IsTransient(e))
                    {
                        KubernetesLog.WatchRetry(logger, what, args.AttemptNumber + 1, args.RetryDelay, e.Message);
                    }
                    else
                    {
                        KubernetesLog.WatchRetryUnexpected(logger, what, args.AttemptNumber + 1, args.RetryDelay, e?.Message ?? "no result", e);
                    }

                    return default;
                },
            })
            .Build();
    }

    /// <summary>The access problem behind a failure (missing RBAC rule or CRD), if that is what it is.</summary>
    public static ApiAccessProblem? AccessProblemOf(Exception e) => e switch
    {
        ApiAccessException access => access.Problem,
        ApiStatusException status => status.Access,
        _ => null,
    };

    /// <summary>First delay before a write refused for want of RBAC or a CRD is tried again; doubles up to <see cref="MaxAccessRetryDelay"/>.</summary>
    public static readonly TimeSpan AccessRetryDelay = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan MaxAccessRetryDelay = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Writes: transient failures are retried a few times at once; a write refused with an
    /// <see cref="ApiAccessException"/> (a missing RBAC rule or CRD, which an operator may fix while we
    /// run) is retried until cancelled with a long exponential backoff, logging at error level what to fix.
    /// </summary>
    public static ResiliencePipeline BuildWritePipeline(TimeProvider time, ILogger logger, int maxAttempts = 5, TimeSpan? accessRetryDelay = null, TimeSpan? maxAccessRetryDelay = null)
    {
        return new ResiliencePipelineBuilder { Name = WritePipelineName, TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => new ValueTask<bool>(
                    args.Outcome.Exception is ApiAccessException && !args.Context.CancellationToken.IsCancellationRequested),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxRetryAttempts = int.MaxValue,
                Delay = accessRetryDelay ?? AccessRetryDelay,
                MaxDelay = maxAccessRetryDelay ?? MaxAccessRetryDelay,
                OnRetry = args =>
                {
                    if (args.Outcome.Exception is ApiAccessException e)
                    {
                        KubernetesLog.AccessRefused(logger, "PolicyEndpoint write", args.AttemptNumber + 1, args.RetryDelay, e.Problem.Describe());
                    }

                    return default;
                },
            })
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxRetryAttempts = maxAttempts,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(10),
                OnRetry = args =>
                {
                    KubernetesLog.WriteRetry(logger, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            })
            .Build();
    }
}

/// <summary>The watch's resourceVersion is too old (410 Gone / Expired): the informer must relist.</summary>
public sealed class WatchExpiredException(string message) : Exception(message);

/// <summary>A watch ended before yielding a single line; retried with backoff so a flapping server is not hammered.</summary>
public sealed class WatchEndedEarlyException(string message) : Exception(message);
