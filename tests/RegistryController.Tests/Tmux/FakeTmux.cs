using Mono.Unix.Native;

namespace RegistryController.Tests.Tmux;

/// <summary>
/// An executable shell script standing in for the tmux binary (a hang, garbage, a wrapper that logs
/// its calls), written into a temp directory of its own and removed afterwards.
/// </summary>
internal sealed class FakeTmux : IDisposable
{
    private readonly TempDirectory _directory = new();

    /// <param name="body">The script after its <c>#!/bin/sh</c> line, given the path of a file the script may write.</param>
    public FakeTmux(Func<Func<string, string>, string> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        Binary = _directory.Combine("tmux");
        File.WriteAllText(Binary, "#!/bin/sh\n" + body(PathOf) + "\n");
        if (Syscall.chmod(Binary, FilePermissions.S_IRWXU) != 0)
        {
            throw new IOException($"chmod {Binary} failed: {Stdlib.GetLastError()}");
        }
    }

    public FakeTmux(string body)
        : this(_ => body)
    {
    }

    /// <summary>The script's path, for <c>TmuxOptions.Binary</c>.</summary>
    public string Binary { get; }

    /// <summary>A file beside the script (for the pids and logs it writes).</summary>
    public string PathOf(string name) => _directory.Combine(name);

    public void Dispose() => _directory.Dispose();
}
