using System.Runtime.Versioning;
using RegistryController.Generation;
using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

/// <summary>
/// A tmux view the controller cannot trust licenses nothing: no agent is judged dead, no file is
/// written, the exit code is 2 and the report says why. Every workspace here holds real zombies and
/// drifted counters, so a repair that went ahead would show.
/// </summary>
[SupportedOSPlatform("linux")]
public class BrokenTmuxViewTests
{
    private static readonly AgentMix Mix = new(Live: 2, Zombie: 1, DeadPane: 1, Completed: 1);

    [Fact]
    public async Task A_missing_tmux_binary_terminates_nothing_and_exits_2()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix, counterDrift: true);
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--set", "Tmux:Binary=/nonexistent/tmux");

        AssertRefused(result, before, workspace, "the tmux binary '/nonexistent/tmux' could not be started");
    }

    [Fact]
    public async Task Under_a_broken_view_no_registry_is_reported_healthy()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix, counterDrift: true);

        var json = (await workspace.RunAsync("health", "--json", "--set", "Tmux:Binary=/nonexistent/tmux")).Report();
        var human = await workspace.RunAsync("health", "--set", "Tmux:Binary=/nonexistent/tmux");

        Assert.All(json.GetProperty("registries").EnumerateArray(), r => Assert.Equal("unchecked", r.GetProperty("status").GetString()));
        Assert.Equal(0, json.GetProperty("summary").GetProperty("healthy").GetInt32());
        Assert.Contains("3 not checked", human.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("✓", human.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tmux_that_does_not_answer_in_time_terminates_nothing_and_exits_2()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix, counterDrift: true);
        var hanging = Path.Combine(workspace.Outside, "hanging-tmux");
        await File.WriteAllTextAsync(hanging, "#!/bin/sh\nexec sleep 60\n");
        File.SetUnixFileMode(hanging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--set", $"Tmux:Binary={hanging}", "--tmux-timeout", "300ms");

        AssertRefused(result, before, workspace, "tmux did not answer within 0.3 s");
    }

    [Fact]
    public async Task A_socket_in_a_directory_that_does_not_exist_terminates_nothing_and_exits_2()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix, counterDrift: true);
        var before = workspace.CaptureFiles();

        var result = await workspace.RunOnWorkspaceAsync("repair", "--tmux-socket", "/nonexistent/dir/sock");

        AssertRefused(result, before, workspace, "the socket directory /nonexistent/dir does not exist");
    }

    [Fact]
    public async Task A_socket_name_under_a_tmux_tmpdir_that_does_not_exist_terminates_nothing_and_exits_2()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, Mix, counterDrift: true);
        var before = workspace.CaptureFiles();

        var result = await workspace.RunOnWorkspaceAsync("repair", "--tmux-socket-name", "x", "--set", "Tmux:TmpDir=/nonexistent");

        AssertRefused(result, before, workspace, "TMUX_TMPDIR=/nonexistent does not exist");
    }

    private static void AssertRefused(CliResult result, FileStates before, TmuxWorkspace workspace, string why)
    {
        Assert.True(result.ExitCode == ExitCodes.CannotRun, result.ToString());
        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
        Assert.Empty(workspace.TaskAgentsWithStatus("terminated"));
        var tmuxLine = result.Stdout.Split('\n').Single(l => l.StartsWith("tmux: ", StringComparison.Ordinal));
        Assert.Contains("BROKEN VIEW", tmuxLine, StringComparison.Ordinal);
        Assert.Contains(why, tmuxLine, StringComparison.Ordinal);
    }
}
