using CliWrap;
using CliWrap.Buffered;

namespace RegistryController.Testing;

/// <summary>
/// A python3 process standing in for Claude in an agent's tmux pane: it appends stream-json lines to the
/// agent's stream log as <c>claude … | tee</c> does, waits until the test lets it finish (a line typed on
/// its terminal), then appends its last line and exits, leaving the pane dead under <c>remain-on-exit</c>.
/// </summary>
public static class ClaudeStandIn
{
    // argv: stream log, last line, "torn" to leave the last line without its newline (a writer cut off mid-append).
    private const string Script = """
        import json, sys
        log, last, torn = sys.argv[1], sys.argv[2], sys.argv[3] == "torn"
        def append(text):
            with open(log, "a") as f:
                f.write(text)
        append(json.dumps({"type": "system", "subtype": "init", "session_id": "53f0646e-40de-49e0-9374-c379bee2409c"}) + "\n")
        append(json.dumps({"type": "assistant", "message": {"role": "assistant", "content": [{"type": "text", "text": "Working on it."}]}}) + "\n")
        sys.stdin.readline()
        append(last if torn else last + "\n")
        """;

    /// <summary>Starts the session <paramref name="session"/> with the stand-in as its only pane's process.</summary>
    public static async Task StartAsync(TmuxTestServer tmux, string session, string streamLog, string lastLine, bool torn = false)
    {
        ArgumentNullException.ThrowIfNull(tmux);
        Directory.CreateDirectory(Path.GetDirectoryName(streamLog)!);
        // More than one word after the session: tmux runs the command itself, no shell quoting in between.
        await Tmux(tmux, "new-session", "-d", "-s", session, "python3", "-c", Script, streamLog, lastLine, torn ? "torn" : "whole");
    }

    /// <summary>Lets the stand-in write its last line and exit; returns once its pane reads as dead.</summary>
    public static async Task FinishAsync(TmuxTestServer tmux, string session)
    {
        ArgumentNullException.ThrowIfNull(tmux);
        await Tmux(tmux, "send-keys", "-t", $"={session}:", "Enter");
        await Eventually.Until(
            async () => (await Tmux(tmux, "list-panes", "-t", $"={session}:", "-F", "#{pane_dead}")).Trim() == "1",
            TimeSpan.FromSeconds(10),
            $"the pane of {session} is dead");
    }

    private static async Task<string> Tmux(TmuxTestServer tmux, params string[] arguments)
    {
        var result = await Cli.Wrap("tmux").WithArguments(["-S", tmux.SocketPath, .. arguments])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new InvalidOperationException($"tmux {string.Join(' ', arguments.Take(2))} failed ({result.ExitCode}): {result.StandardError}");
    }
}
