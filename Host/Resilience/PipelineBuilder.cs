using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Npa.Host.Resilience;

/// <summary>
/// Every resilience pipeline of the host, named and built here. Stages and edges ask for one by name
/// and never build their own, so retry behaviour is reviewed in one place.
/// </summary>
public static class PipelineBuilder
{
    /// <summary>Opening the event journal at start-up (a busy or slow disk); a few quick tries, then fail.</summary>
    public const string JournalOpen = "journal-open";

    /// <summary>Programming one pod in the enforcer: transient kernel errors (EBUSY, EAGAIN) retried briefly.</summary>
    public const string EnforcerApply = "enforcer-apply";

    /// <summary>Starting the event source (API server connection); retried forever with capped backoff.</summary>
    public const string SourceStart = "source-start";

    public static IReadOnlyList<string> Names { get; } = [JournalOpen, EnforcerApply, SourceStart];

    public static ResiliencePipeline Build(string name, ILogger logger, TimeProvider? time = null) => name switch
    {
        JournalOpen => Retry(name, logger, time, maxAttempts: 3, delay: TimeSpan.FromMilliseconds(200), maxDelay: TimeSpan.FromSeconds(1),
            handle: ex => ex is IOException),
        EnforcerApply => Retry(name, logger, time, maxAttempts: 3, delay: TimeSpan.FromMilliseconds(50), maxDelay: TimeSpan.FromMilliseconds(500),
            handle: IsTransientKernelError),
        SourceStart => Retry(name, logger, time, maxAttempts: int.MaxValue, delay: TimeSpan.FromSeconds(1), maxDelay: TimeSpan.FromSeconds(30),
            handle: ex => ex is not OperationCanceledException),
        _ => throw new ArgumentException($"no resilience pipeline named '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
    };

    /// <summary>EBUSY, EAGAIN and EINTR from a syscall are worth another try; anything else is not.</summary>
    public static bool IsTransientKernelError(Exception ex) =>
        ex is IOException io && io.HResult is 11 or 16 or 4;

    private static ResiliencePipeline Retry(string name, ILogger logger, TimeProvider? time, int maxAttempts, TimeSpan delay, TimeSpan maxDelay,
        Func<Exception, bool> handle)
    {
        ResiliencePipelineBuilder builder = new() { Name = name };
        if (time is not null)
        {
            builder.TimeProvider = time;
        }

        return builder.AddRetry(new RetryStrategyOptions
        {
            Name = name,
            MaxRetryAttempts = maxAttempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = delay,
            MaxDelay = maxDelay,
            ShouldHandle = new PredicateBuilder().Handle<Exception>(handle),
            OnRetry = args =>
            {
                ResilienceLog.Retrying(logger, name, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? "");
                return ValueTask.CompletedTask;
            },
        }).Build();
    }
}
