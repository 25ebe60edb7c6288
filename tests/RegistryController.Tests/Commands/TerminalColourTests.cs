using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using RegistryController.Generation;

namespace RegistryController.Tests.Commands;

/// <summary>
/// Colour is for people at a terminal only. Under a test runner stdout is already redirected, so
/// this runs the built binary on a real pseudo-terminal (util-linux <c>script</c>) to show that the
/// switches, not the redirection, are what turn colour off.
/// </summary>
public class TerminalColourTests
{
    [Theory]
    [InlineData(null, null, true)]
    [InlineData("--no-color", null, false)]
    [InlineData(null, "1", false)]
    public async Task On_a_terminal_the_report_is_coloured_unless_no_color_is_asked_for(string? flag, string? noColorVariable, bool coloured)
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 1), orphans: 1);
        var executable = Path.Combine(AppContext.BaseDirectory, "registryctl");
        var commandLine = string.Join(' ', new[] { executable, "health", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath, flag }
            .OfType<string>().Select(a => "'" + a + "'"));

        var result = await Cli.Wrap("script")
            .WithArguments(["--quiet", "--return", "--command", commandLine, "/dev/null"])
            .WithEnvironmentVariables(env => env.Set("NO_COLOR", noColorVariable).Set("TERM", "xterm"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();

        Assert.Contains("summary: ", result.StandardOutput, StringComparison.Ordinal);
        // Only SGR sequences (ESC [ … m) are colour: .NET itself writes keypad-mode sequences to any terminal.
        Assert.Equal(coloured, Regex.IsMatch(result.StandardOutput, @"\u001b\[[0-9;]*m"));
    }
}
