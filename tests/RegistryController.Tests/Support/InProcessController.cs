using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RegistryController.Controller;
using RegistryController.Locking;
using RegistryController.Manager;
using RegistryController.Queue;
using RegistryController.Reconcile;
using RegistryController.Store;
using RegistryController.Tmux;
using Registryctl.Configuration;
using Registryctl.Hosting;

namespace RegistryController.Tests.Support;

/// <summary>
/// <c>registryctl run</c>'s controller hosted in-process, as the command hosts it
/// (<c>services.AddRegistryController(settings)</c> on the Generic Host), with its log records kept
/// for the test and the same /healthz bound the command computes.
/// </summary>
public sealed class InProcessController : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessController(IHost host, ResolvedSettings settings, LogRecords logs)
    {
        _host = host;
        Settings = settings;
        Logs = logs;
        Manager = host.Services.GetRequiredService<ControllerManager>();
        Status = host.Services.GetRequiredService<ControllerStatus>();
    }

    public ResolvedSettings Settings { get; }

    public ControllerManager Manager { get; }

    public ControllerStatus Status { get; }

    public LogRecords Logs { get; }

    /// <summary>The bound /healthz uses (RunCommand.MapHealth): three scans, or a whole lock wait plus two tmux calls, plus 5 s.</summary>
    public TimeSpan WedgedBound => TimeSpan.FromTicks(Math.Max(Settings.Controller.ScanInterval.Ticks * 3, (Settings.Lock.Timeout + Settings.Tmux.Timeout + Settings.Tmux.Timeout).Ticks)) + TimeSpan.FromSeconds(5);

    /// <summary>What /healthz would answer: null for "ok".</summary>
    public string? Wedged => Status.Wedged(WedgedBound);

    /// <summary>The controller's loop has not ended (it ends only on shutdown or an unhandled exception).</summary>
    public bool Running => Manager.ExecuteTask is { IsCompleted: false };

    public static async Task<InProcessController> StartAsync(
        string workspace,
        TmuxOptions tmux,
        Func<ControllerOptions, ControllerOptions>? controller = null,
        LockOptions? lockOptions = null,
        WorkQueueOptions? queue = null)
    {
        var settings = new ResolvedSettings(workspace, tmux, new ReconcileOptions(), lockOptions ?? new LockOptions { Timeout = TimeSpan.FromSeconds(5) }, new RegistryStoreOptions())
        {
            Workspaces = [workspace],
            Controller = (controller ?? (c => c))(new ControllerOptions { ScanInterval = TimeSpan.FromMilliseconds(250), ShutdownTimeout = TimeSpan.FromSeconds(5) }),
            Queue = queue ?? new WorkQueueOptions { BackoffBase = TimeSpan.FromMilliseconds(50), BackoffMax = TimeSpan.FromMilliseconds(500) },
        };
        var logs = new LogRecords();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(logs);
        builder.Services.AddRegistryController(settings);
        var host = builder.Build();
        var started = new InProcessController(host, settings, logs);
        await host.StartAsync();
        var first = await Task.WhenAny(started.Manager.Ready, started.Manager.ExecuteTask ?? Task.CompletedTask).WaitAsync(TimeSpan.FromSeconds(60));
        if (first != started.Manager.Ready)
        {
            var why = first.Exception?.InnerException ?? first.Exception;
            await started.DisposeAsync();
            throw new InvalidOperationException($"the controller stopped before it was ready: {why?.GetType().Name}: {why?.Message}", why);
        }

        return started;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes (then fails, saying what was awaited).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan deadline, string what)
    {
        var until = DateTime.UtcNow + deadline;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"timed out after {deadline.TotalSeconds:0.#} s waiting until {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }

    /// <summary>Waits until every queued key has been reconciled and none is running.</summary>
    public Task WaitForIdleQueueAsync(TimeSpan deadline) =>
        WaitUntilAsync(() => Manager.Queue.Depth == 0 && Manager.Queue.InFlight == 0, deadline, "the work queue drained");

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _host.StopAsync(stop.Token);
        _host.Dispose();
    }
}

/// <summary>Every log record the controller wrote, in order.</summary>
public sealed class LogRecords : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _records = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> All => [.. _records];

    public IEnumerable<string> AtLeast(LogLevel level) => _records.Where(r => r.Level >= level).Select(r => $"{r.Level} {r.Category}: {r.Message}");

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogRecords records, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            records._records.Enqueue((logLevel, category, formatter(state, exception) + (exception is null ? string.Empty : $" [{exception.GetType().Name}: {exception.Message}]")));
        }
    }
}
