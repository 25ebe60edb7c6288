using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RegistryController.Testing;

/// <summary>An in-memory logger provider: what an operator would read in the controller's log.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries => [.. _entries];

    public bool Any(LogLevel level, string contains) =>
        _entries.Any(e => e.Level == level && e.Message.Contains(contains, StringComparison.Ordinal));

    /// <summary>The records at <paramref name="level"/> or worse, as one line each: level, category, message.</summary>
    public IEnumerable<string> AtLeast(LogLevel level) =>
        _entries.Where(e => e.Level >= level).Select(e => $"{e.Level} {e.Category}: {e.Message}");

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                ArgumentNullException.ThrowIfNull(formatter);

                // The exception's type and message, as a console logger would show them: some warnings say no more than "failed".
                owner._entries.Enqueue((logLevel, category, formatter(state, exception) + (exception is null ? string.Empty : $" [{exception.GetType().Name}: {exception.Message}]")));
            }
        }
    }
}
