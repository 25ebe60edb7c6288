using System.Runtime.InteropServices;
using CliWrap;
using CliWrap.Buffered;
using Mono.Unix.Native;
using RegistryController.Generation;
using RegistryController.Store;
using RegistryController.Tests.Support;
using RegistryController.Tests.Telemetry;

namespace RegistryController.Tests.Store;

/// <summary>
/// <c>registryctl repair</c> on a registry of several pages, whose write is covered by a write
/// guard. <c>dd</c> is found first on the PATH as a wrapper that leaves a mark, waits two seconds
/// (so that a lock held by it can be seen), then runs the real dd: only a guard that takes over a
/// write runs dd.
/// </summary>
public sealed partial class KilledWriteTests
{
    [StraceFact]
    public async Task A_repair_killed_mid_write_keeps_the_lock_until_its_guard_has_written_the_whole_new_file()
    {
        await using var setup = await MultiPageRepair.CreateAsync();

        await using var repair = await KillMidWriteAsync(setup, _ => { });

        await AssertGuardFinishesUnderTheLockAsync(setup);
    }

    [StraceFact]
    public async Task A_guard_ignores_the_SIGTERM_a_service_stop_sends_to_every_process_and_still_finishes_the_write()
    {
        await using var setup = await MultiPageRepair.CreateAsync();

        // systemd's stop: SIGTERM to every process of the control group, SIGKILL to the survivors.
        await using var repair = await KillMidWriteAsync(setup, guard => Assert.Equal(0, Syscall.kill(guard.Pid, Signum.SIGTERM)));

        await AssertGuardFinishesUnderTheLockAsync(setup);
    }

    /// <summary>
    /// Runs the repair with strace holding every pwrite64 for two seconds at its entry (the guard is
    /// armed, the write pending), does <paramref name="first"/> to the guard, then SIGKILLs the controller.
    /// The strace process is returned to be disposed at the end of the test: disposing it kills its tree.
    /// </summary>
    private static async Task<RegistryctlProcess> KillMidWriteAsync(MultiPageRepair setup, Action<GuardProcess> first)
    {
        var repair = RegistryctlProcess.Start(
            setup.Arguments,
            setup.Environment,
            wrapper: ["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=pwrite64", "-e", "inject=pwrite64:delay_enter=2000000"]);
        try
        {
            GuardProcess? guard = null;
            await Eventually.Until(() => (guard = GuardOf(setup.Workspace.Root)) is not null, TimeSpan.FromSeconds(60), "the repair armed a write guard");

            first(guard!);
            Assert.Equal(0, Syscall.kill(guard!.Controller, Signum.SIGKILL));
            await Eventually.Until(() => File.Exists(setup.DdStarted), TimeSpan.FromSeconds(30), "the guard took the write over once the controller was dead");
            return repair;
        }
        catch
        {
            await repair.DisposeAsync();
            throw;
        }
    }

    private static async Task AssertGuardFinishesUnderTheLockAsync(MultiPageRepair setup)
    {
        // The controller is dead, the guard writing: the lock must still be held ...
        var fd = Syscall.open(setup.Path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
        try
        {
            Assert.NotEqual(0, Flock(fd, LockShared | LockNonBlocking));

            // ... and a reader that waits for it gets the whole new file.
            Assert.Equal(0, Flock(fd, LockShared));
            Assert.True(await Python.ParsesAsync(setup.Path));
            Assert.Equal("terminated", (string?)setup.Workspace.TaskAgent(setup.Task, setup.Zombie)["status"]);
        }
        finally
        {
            _ = Syscall.close(fd);
        }
    }

    [Fact]
    public async Task A_repair_that_lives_writes_the_file_itself_and_stands_its_guard_down()
    {
        await using var setup = await MultiPageRepair.CreateAsync();

        var result = await RegistryctlProcess.RunAsync(setup.Arguments, setup.Environment);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("terminated", (string?)setup.Workspace.TaskAgent(setup.Task, setup.Zombie)["status"]);
        Assert.False(File.Exists(setup.DdStarted), "a guard wrote although the controller lived");
        Assert.Null(GuardOf(setup.Workspace.Root));
    }

    /// <summary>A live write guard whose parent is a registryctl working on <paramref name="workspace"/>, if any.</summary>
    private static GuardProcess? GuardOf(string workspace)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (!int.TryParse(System.IO.Path.GetFileName(directory), out _)
                    || !File.ReadAllText(System.IO.Path.Combine(directory, "cmdline")).Split('\0').Contains(WriteGuard.ProcessName))
                {
                    continue;
                }

                var parent = int.Parse(File.ReadAllLines(System.IO.Path.Combine(directory, "status")).First(l => l.StartsWith("PPid:", StringComparison.Ordinal))[5..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                if (File.ReadAllText($"/proc/{parent}/cmdline").Split('\0').Contains(workspace))
                {
                    return new GuardProcess(int.Parse(System.IO.Path.GetFileName(directory), System.Globalization.CultureInfo.InvariantCulture), parent);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return null;
    }

    private sealed record GuardProcess(int Pid, int Controller);

    /// <summary>A workspace whose one task registry spans several pages and holds one zombie, and a PATH with the dd wrapper.</summary>
    private sealed class MultiPageRepair : IAsyncDisposable
    {
        private MultiPageRepair(TmuxWorkspace workspace, string bin)
        {
            Workspace = workspace;
            Task = workspace.TaskIds[0];
            Path = workspace.TaskPath(Task);
            Zombie = workspace.Truth.Zombies.Single().AgentId;
            DdStarted = System.IO.Path.Combine(workspace.Outside, "dd-started");
            Arguments = ["repair", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath];
            Environment = new Dictionary<string, string> { ["PATH"] = bin + ":" + System.Environment.GetEnvironmentVariable("PATH") };
        }

        public TmuxWorkspace Workspace { get; }

        public string Task { get; }

        public string Path { get; }

        public string Zombie { get; }

        public string DdStarted { get; }

        public string[] Arguments { get; }

        public Dictionary<string, string> Environment { get; }

        public static async Task<MultiPageRepair> CreateAsync()
        {
            var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 6, Zombie: 1, Completed: 6));
            Assert.True(new FileInfo(workspace.TaskPath(workspace.TaskIds[0])).Length > System.Environment.SystemPageSize);
            var bin = Directory.CreateDirectory(System.IO.Path.Combine(workspace.Outside, "bin")).FullName;
            var started = System.IO.Path.Combine(workspace.Outside, "dd-started");
            var realDd = (await Cli.Wrap("sh").WithArguments(["-c", "command -v dd"]).ExecuteBufferedAsync()).StandardOutput.Trim();
            var wrapper = System.IO.Path.Combine(bin, "dd");
            await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\ntouch '{started}'\nsleep 2\nexec '{realDd}' \"$@\"\n");
            _ = Syscall.chmod(wrapper, FilePermissions.S_IRWXU);
            return new MultiPageRepair(workspace, bin);
        }

        public ValueTask DisposeAsync() => Workspace.DisposeAsync();
    }

    private const int LockShared = 1;
    private const int LockNonBlocking = 4;

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);
}
