using RegistryController.Configuration;
using RegistryController.Controller;
using RegistryController.Judgement;
using RegistryController.Tmux;

namespace RegistryController.Tests.Commands;

/// <summary>A flag's help shows the default of the options record behind its setting, not a copy of it.</summary>
public class FlagHelpTests
{
    private static string Grace => $"[default: {Duration.Format(new ReconcileOptions().Grace)}]";

    [Theory]
    [InlineData("health")]
    [InlineData("repair")]
    [InlineData("run")]
    public async Task The_grace_flag_shows_the_judgements_default_grace(string command)
    {
        var help = await HelpAsync(command);

        Assert.Contains(help, line => line.Contains("--grace", StringComparison.Ordinal) && line.Contains(Grace, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("health")]
    [InlineData("repair")]
    [InlineData("run")]
    public async Task The_tmux_timeout_flag_shows_the_tmux_options_default(string command)
    {
        var help = await HelpAsync(command);

        Assert.Contains(help, line => line.Contains("--tmux-timeout", StringComparison.Ordinal)
            && line.Contains($"[default: {Duration.Format(new TmuxOptions().Timeout)}]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Runs_listen_and_kill_orphans_flags_show_the_controller_options_defaults()
    {
        var help = await HelpAsync("run");

        Assert.Contains(help, line => line.Contains("--listen", StringComparison.Ordinal) && line.Contains($"[default: {new ControllerOptions().Listen}]", StringComparison.Ordinal));
        Assert.Contains(help, line => line.Contains("--kill-orphans-after", StringComparison.Ordinal) && line.Contains($"[default: {ControllerOptions.NeverKill}]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Health_and_repair_describe_grace_alike()
    {
        var health = (await HelpAsync("health")).Single(l => l.Contains("--grace", StringComparison.Ordinal));
        var repair = (await HelpAsync("repair")).Single(l => l.Contains("--grace", StringComparison.Ordinal));

        Assert.Equal(repair, health);
    }

    /// <summary>The help, one option per line (a description that wraps is joined back onto its flag's line).</summary>
    private static async Task<List<string>> HelpAsync(string command)
    {
        var result = await RegistryctlInProcess.RunAsync(command, "--help");
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = new List<string>();
        foreach (var line in result.Stdout.Split('\n'))
        {
            if (line.StartsWith("  -", StringComparison.Ordinal) || lines.Count == 0)
            {
                lines.Add(line.Trim());
            }
            else
            {
                lines[^1] += " " + line.Trim();
            }
        }

        return lines;
    }
}
