using CliWrap;
using CliWrap.Buffered;

namespace RegistryController.Testing;

/// <summary>What a private tmux server says about its clients: the controller's control-mode client shows up here.</summary>
public static class TmuxClients
{
    public static async Task<int> ControlClientsAsync(this TmuxTestServer tmux)
    {
        ArgumentNullException.ThrowIfNull(tmux);
        var result = await Cli.Wrap("tmux").WithArguments(["-S", tmux.SocketPath, "list-clients", "-F", "#{client_control_mode}"])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        return result.ExitCode == 0 ? result.StandardOutput.Split('\n').Count(l => l.Trim() == "1") : 0;
    }

    /// <summary>The session a control-mode client is attached to, as the server says; null if none is.</summary>
    public static async Task<string?> ControlClientSessionAsync(this TmuxTestServer tmux)
    {
        ArgumentNullException.ThrowIfNull(tmux);
        var result = await Cli.Wrap("tmux").WithArguments(["-S", tmux.SocketPath, "list-clients", "-F", "#{client_control_mode} #{client_session}"])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        return result.ExitCode == 0
            ? result.StandardOutput.Split('\n').Where(l => l.StartsWith("1 ", StringComparison.Ordinal)).Select(l => l[2..]).FirstOrDefault()
            : null;
    }

    /// <summary>Waits until a control-mode client is attached: from then on a session's death is pushed.</summary>
    public static Task WaitForControlClientAsync(this TmuxTestServer tmux, TimeSpan? timeout = null) =>
        Eventually.Until(async () => await tmux.ControlClientsAsync() > 0, timeout ?? TimeSpan.FromSeconds(10), "the controller's tmux control client is attached");

    public static async Task<bool> HasSessionAsync(this TmuxTestServer tmux, string session)
    {
        ArgumentNullException.ThrowIfNull(tmux);
        return (await tmux.Server.ListSessionsAsync()).Contains(session);
    }
}
