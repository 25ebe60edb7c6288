using RegistryController.Generation;
using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

/// <summary>Usage and set-up errors: exit 2 (never 1, which health reserves for discrepancies), a message saying what is wrong, nothing written.</summary>
public class UsageErrorTests
{
    [Fact]
    public async Task Repair_exits_2_and_names_the_workspace_when_it_does_not_exist()
    {
        using var temp = new TempDirectory();
        var missing = temp.Combine("no-such-workspace");

        var result = await RegistryctlInProcess.RunAsync("repair", "--workspace", missing, "--tmux-socket", temp.Combine("tmux.sock"));

        Assert.True(result.ExitCode == ExitCodes.CannotRun, result.ToString());
        Assert.Contains(missing, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("does not exist", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public async Task Repair_exits_2_and_writes_nothing_for_a_task_the_workspace_does_not_have()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 1));
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--task", "TASK-20990101-000000-deadbeef");

        Assert.True(result.ExitCode == ExitCodes.CannotRun, result.ToString());
        Assert.Contains("--task TASK-20990101-000000-deadbeef", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
    }

    [Fact]
    public async Task Repair_exits_2_and_writes_nothing_for_an_unknown_flag()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 1));
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--terminate-everything");

        Assert.True(result.ExitCode == ExitCodes.CannotRun, result.ToString());
        Assert.Contains("--terminate-everything", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
    }

    [Fact]
    public async Task Health_exits_2_not_1_for_an_unknown_flag()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 0));

        var result = await workspace.RunAsync("health", "--verbose-please");

        Assert.True(result.ExitCode == ExitCodes.CannotRun, result.ToString());
        Assert.Contains("--verbose-please", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repair_exits_2_for_an_invalid_setting_with_a_message_naming_the_setting()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 2, new AgentMix(Live: 1, Zombie: 1));
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--set", "Reconcile:Grace=abc");

        Assert.True(result.ExitCode == ExitCodes.CannotRun, result.ToString());
        Assert.Contains("Reconcile:Grace", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("abc", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
    }

    [Fact]
    public async Task Repair_refuses_a_grace_no_longer_than_the_oldest_tmux_view_a_termination_may_use()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 1));
        var before = workspace.CaptureFiles();

        var result = await workspace.RunAsync("repair", "--set", "Reconcile:Grace=2s", "--set", "Controller:MaxViewAge=2s");

        Assert.True(result.ExitCode == ExitCodes.CannotRun, result.ToString());
        Assert.Contains("Reconcile:Grace: 2s must be longer than Controller:MaxViewAge (2s)", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(before.ChangedIn(workspace.CaptureFiles()));
    }

    [Fact]
    public async Task Health_refuses_json_with_console_traces_because_both_would_write_to_stdout()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 0));

        var result = await workspace.RunAsync("health", "--json", "--set", "Telemetry:Console=true");

        Assert.True(result.ExitCode == ExitCodes.CannotRun, result.ToString());
        Assert.Contains("Telemetry:Console", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }
}
