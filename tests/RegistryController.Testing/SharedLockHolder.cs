using System.Text;
using CliWrap;

namespace RegistryController.Testing;

/// <summary>
/// A real python3 process holding <c>fcntl.flock(LOCK_SH)</c> on a registry, as the orchestrator's
/// readers do: other readers get through, a writer waits. Returns once it holds the lock; the
/// process (and its lock) goes when this is disposed. With <c>exclusive</c> it holds <c>LOCK_EX</c>
/// instead (on any file, a progress file too): everyone else waits.
/// </summary>
public sealed class SharedLockHolder : IAsyncDisposable
{
    private const string Script = """
        import fcntl, sys
        f = open(sys.argv[1], "r")
        fcntl.flock(f.fileno(), fcntl.LOCK_EX if sys.argv[2] == "exclusive" else fcntl.LOCK_SH)
        print("locked", flush=True)
        sys.stdin.read()
        """;

    private readonly CancellationTokenSource _cancel = new();
    private readonly TaskCompletionSource _locked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StringBuilder _stderr = new();
    private Task<CommandResult>? _run;

    private SharedLockHolder()
    {
    }

    public static async Task<SharedLockHolder> LockAsync(string path, bool exclusive = false)
    {
        var holder = new SharedLockHolder();
        holder._run = Cli.Wrap("python3")
            .WithArguments(["-c", Script, path, exclusive ? "exclusive" : "shared"])
            .WithStandardInputPipe(PipeSource.FromStream(new BlockingStream()))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line =>
            {
                if (line == "locked")
                {
                    holder._locked.TrySetResult();
                }
            }))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(holder._stderr))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(holder._cancel.Token);
        var first = await Task.WhenAny(holder._locked.Task, holder._run, Task.Delay(TimeSpan.FromSeconds(30)));
        if (first != holder._locked.Task)
        {
            throw new InvalidOperationException($"python3 never took the {(exclusive ? "exclusive" : "shared")} lock on {path}: {holder._stderr}");
        }

        return holder;
    }

    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync();
        try
        {
            await (_run ?? Task.CompletedTask);
        }
        catch (OperationCanceledException)
        {
            // Killed: that is how the lock is released.
        }

        _cancel.Dispose();
    }

    /// <summary>A stdin that never ends (until the process is killed), so the holder waits without a timer.</summary>
    private sealed class BlockingStream : Stream
    {
        private readonly TaskCompletionSource<int> _never = new();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => _never.Task.GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            await _never.Task.WaitAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
