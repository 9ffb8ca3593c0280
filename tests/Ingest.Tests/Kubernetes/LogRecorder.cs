using Microsoft.Extensions.Logging;

namespace Npa.Ingest.Tests.Kubernetes;

/// <summary>One log entry as a test reads it.</summary>
internal sealed record LoggedEntry(LogLevel Level, int EventId, string Message, Exception? Exception);

/// <summary>A logger (and factory) that keeps every entry in memory, for tests that assert what an operator is told.</summary>
internal sealed class LogRecorder : ILogger, ILoggerFactory
{
    private readonly Lock _gate = new();
    private readonly List<LoggedEntry> _entries = [];

    public IReadOnlyList<LoggedEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_gate)
        {
            _entries.Add(new LoggedEntry(logLevel, eventId.Id, formatter(state, exception), exception));
        }
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
