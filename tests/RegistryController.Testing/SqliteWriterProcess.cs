using System.Collections.Concurrent;
using System.Text;
using CliWrap;

namespace RegistryController.Testing;

/// <summary>
/// A python3 writer of <see cref="OrchestratorSqlite"/> that runs alongside a test and reports its steps as lines on
/// stdout ("locked", "released"), so tests wait on those events instead of sleeping. Disposing kills it.
/// </summary>
public sealed class SqliteWriterProcess : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _cancel = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _said = new(StringComparer.Ordinal);
    private readonly StringBuilder _stderr = new();
    private Task<CommandResult>? _run;

    internal SqliteWriterProcess()
    {
    }

    /// <summary>The process's completion (it exits once it has lingered).</summary>
    public Task Completion => _run ?? Task.CompletedTask;

    internal void Start(Command command) =>
        _run = command
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => Said(line).TrySetResult()))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(_stderr))
            .ExecuteAsync(_cancel.Token);

    /// <summary>Returns once the process has printed <paramref name="line"/>; fails if it exits or 30 s pass first.</summary>
    public async Task WaitForAsync(string line)
    {
        var said = Said(line).Task;
        await Task.WhenAny(said, Completion, Task.Delay(Deadline));
        // The process may say the line and exit at once: what counts is whether it said it.
        if (!said.IsCompleted)
        {
            throw new InvalidOperationException($"python3 never said '{line}': {_stderr}");
        }
    }

    private TaskCompletionSource Said(string line) =>
        _said.GetOrAdd(line, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync();
        try
        {
            await Completion;
        }
        catch (OperationCanceledException)
        {
            // Killed at the end of a test that no longer needed it.
        }
        catch (CliWrap.Exceptions.CommandExecutionException)
        {
            // A failed writer shows in what the test asserts.
        }

        _cancel.Dispose();
    }
}
