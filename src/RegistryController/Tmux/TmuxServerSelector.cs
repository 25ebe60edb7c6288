using Mono.Unix.Native;

namespace RegistryController.Tmux;

/// <summary>
/// Turns <see cref="TmuxOptions"/> into the client's arguments and environment, and works out which
/// socket tmux will use, so that a "no server" answer can be checked against the file system.
/// </summary>
public sealed class TmuxServerSelector
{
    private readonly TmuxOptions _options;
    private readonly Func<string, string?> _environment;

    public TmuxServerSelector(TmuxOptions options, Func<string, string?>? environment = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    /// <summary>The socket directory the client will use (the value of <c>TMUX_TMPDIR</c>), or null with -S.</summary>
    /// <remarks>Like tmux, an empty <c>TMUX_TMPDIR</c> counts as unset.</remarks>
    public string? TmpDir => _options.Socket is null
        ? ((_options.TmpDir ?? _environment("TMUX_TMPDIR")) is { Length: > 0 } dir ? dir : "/tmp")
        : null;

    public IReadOnlyList<string> GlobalArguments()
    {
        if (_options.Socket is { } path)
        {
            return ["-S", path];
        }

        return _options.SocketName is { } name ? ["-L", name] : [];
    }

    /// <summary>The socket path tmux will connect to, as tmux computes it.</summary>
    public string ExpectedSocketPath()
    {
        if (_options.Socket is { } path)
        {
            return path;
        }

        // Inside a tmux session with no -L, the client talks to the server named in $TMUX.
        if (_options.SocketName is null && _environment("TMUX") is { Length: > 0 } tmux)
        {
            return tmux.Split(',')[0];
        }

        return Path.Combine(TmpDir!, $"tmux-{Syscall.getuid()}", _options.SocketName ?? "default");
    }

    public string Describe() => $"socket {ExpectedSocketPath()}";
}
