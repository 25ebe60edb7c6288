using System.Text;
using CliWrap;

namespace RegistryController.Testing;

/// <summary>
/// A real python3 process that locks a registry exactly as the orchestrator's careful writer does
/// (<c>open(r+)</c>, <c>fcntl.flock(LOCK_EX)</c>, read, change, <c>seek(0)/write/truncate</c>),
/// holds it for a while, and says "locked" on stdout the moment it has the lock, so tests wait on
/// that event instead of sleeping.
/// </summary>
public sealed class PythonLockHolder : IAsyncDisposable
{
    private const string Script = """
        import fcntl, json, sys, time
        path, hold, key, value = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
        with open(path, "r+") as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            print("locked", flush=True)
            data = json.load(f)
            time.sleep(hold)
            if key:
                data[key] = json.loads(value)
                f.seek(0)
                f.write(json.dumps(data, indent=2))
                f.truncate()
                f.flush()
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        print("released", flush=True)
        """;

    private readonly CancellationTokenSource _cancel = new();
    private readonly TaskCompletionSource _locked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StringBuilder _stderr = new();
    private Task<CommandResult>? _run;

    private PythonLockHolder()
    {
    }

    /// <summary>The process's completion; it exits once it has written (if asked) and unlocked.</summary>
    public Task Completion => _run ?? Task.CompletedTask;

    /// <summary>Starts the holder and returns once it holds the lock.</summary>
    /// <param name="setKey">A top-level key the holder sets (to a JSON value) before unlocking; null to only hold.</param>
    public static async Task<PythonLockHolder> LockAsync(string path, TimeSpan hold, string? setKey = null, string setValueJson = "null")
    {
        var holder = new PythonLockHolder();
        holder._run = Cli.Wrap("python3")
            .WithArguments(["-c", Script, path, hold.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), setKey ?? string.Empty, setValueJson])
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line =>
            {
                if (line == "locked")
                {
                    holder._locked.TrySetResult();
                }
            }))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(holder._stderr))
            .ExecuteAsync(holder._cancel.Token);
        await Task.WhenAny(holder._locked.Task, holder._run, Task.Delay(TimeSpan.FromSeconds(30)));
        // On a busy machine the whole hold may be over before this continuation runs, and the
        // process's exit can then win the race: what counts is whether it said "locked".
        if (!holder._locked.Task.IsCompleted)
        {
            throw new InvalidOperationException($"python3 never took the lock on {path}: {holder._stderr}");
        }

        return holder;
    }

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
            // Exit code is asserted by tests that care.
        }

        _cancel.Dispose();
    }
}
