using RegistryController.Generation;
using RegistryController.Tmux;

namespace RegistryController.Testing;

/// <summary>
/// A real tmux server on a private socket in a temp directory, one per test: never the user's
/// default server, and killed (only this one) when the test ends.
/// </summary>
public sealed class TmuxTestServer : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();

    public TmuxTestServer()
    {
        Server = new PrivateTmuxServer(_directory.Combine("tmux"));
    }

    public PrivateTmuxServer Server { get; }

    public string SocketPath => Server.SocketPath;

    public TmuxOptions Options => new() { Socket = SocketPath, Timeout = TimeSpan.FromSeconds(5) };

    public TmuxCliViewSource ViewSource() => new(Options);

    public static async Task<TmuxTestServer> StartAsync(IEnumerable<string> sessions, IEnumerable<string>? deadPanes = null)
    {
        var server = new TmuxTestServer();
        await server.Server.StartAsync(sessions, deadPanes);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.KillServerAsync();
        _directory.Dispose();
    }
}
