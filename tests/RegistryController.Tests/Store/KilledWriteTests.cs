using CliWrap;
using CliWrap.Buffered;
using Mono.Unix.Native;
using RegistryController.Generation;
using RegistryController.Locking;
using RegistryController.Store;
using RegistryController.Tests.Telemetry;

namespace RegistryController.Tests.Store;

/// <summary>
/// <c>registryctl repair</c> on a registry of several pages, whose write is covered by a write
/// guard. <c>dd</c> is found first on the PATH as a wrapper that leaves a mark and then waits for
/// the test's word before running the real dd: only a guard that takes over a write runs dd, and
/// while it waits the lock it holds can be looked at.
/// </summary>
public sealed class KilledWriteTests
{
    private const long StopSignalMask = (1L << 0) | (1L << 1) | (1L << 14); // SIGHUP, SIGINT, SIGTERM

    [StraceFact]
    public async Task A_repair_killed_mid_write_keeps_the_lock_until_its_guard_has_written_the_whole_new_file()
    {
        await using var setup = await MultiPageRepair.CreateAsync();

        await using var repair = await KillMidWriteAsync(setup, Pwrite64, _ => { });

        await AssertGuardFinishesUnderTheLockAsync(setup);
    }

    [StraceFact]
    public async Task A_repair_killed_after_arming_its_guard_but_before_writing_leaves_the_file_as_it_was()
    {
        // Between the guard's arming and the write, the controller checks that nobody changed the file
        // and reserves its blocks (fallocate): killed there, it had not checked the content against the
        // file as it is, so the guard must not write it.
        await using var setup = await MultiPageRepair.CreateAsync();
        var before = await File.ReadAllBytesAsync(setup.Path);

        await using var repair = await KillInAsync(setup, Fallocate);
        await Eventually.Until(() => !Alive(repair.Guard.Pid) || File.Exists(setup.DdStarted), TimeSpan.FromSeconds(30), "the guard exited or wrote");

        Assert.False(File.Exists(setup.DdStarted), "the guard wrote content the controller never checked");
        Assert.Equal(before, await File.ReadAllBytesAsync(setup.Path));
    }

    [StraceFact]
    public async Task A_guard_ignores_the_SIGTERM_a_service_stop_sends_to_every_process_and_still_finishes_the_write()
    {
        await using var setup = await MultiPageRepair.CreateAsync();

        // systemd's stop: SIGTERM to every process of the control group, SIGKILL to the survivors.
        await using var repair = await KillMidWriteAsync(setup, Pwrite64, guard =>
        {
            // Blocked from the spawn on (dash keeps the mask), so not even a signal sent before its trap runs reaches it.
            Assert.Equal(StopSignalMask, SignalMask(guard.Pid, "SigBlk:") & StopSignalMask);
            Assert.Equal(0, Syscall.kill(guard.Pid, Signum.SIGTERM));
        });

        await AssertGuardFinishesUnderTheLockAsync(setup);
    }

    [Fact]
    public async Task A_repair_that_lives_writes_the_file_itself_and_stands_its_guard_down()
    {
        await using var setup = await MultiPageRepair.CreateAsync();

        var result = await RegistryctlProcess.RunAsync(setup.Arguments, setup.Environment);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("terminated", (string?)setup.Workspace.TaskAgent(setup.Task, setup.Zombie)["status"]);
        Assert.False(File.Exists(setup.DdStarted), "a guard wrote although the controller lived");
        Assert.Null(GuardOf(setup.Path));
    }

    private static readonly (string Name, int Number) Pwrite64 = ("pwrite64", 18);
    private static readonly (string Name, int Number) Fallocate = ("fallocate", 285);

    /// <summary>
    /// Runs the repair under strace, which holds every call of <paramref name="syscall"/> at its entry
    /// for 5 s; once the controller is held in that call on the registry, does <paramref name="first"/>
    /// to the guard and SIGKILLs the controller, which dies when strace lets the call go.
    /// </summary>
    private static async Task<KilledRepair> KillInAsync(MultiPageRepair setup, (string Name, int Number) syscall, Action<GuardProcess>? first = null)
    {
        var process = RegistryctlProcess.Start(
            setup.Arguments,
            setup.Environment,
            wrapper: ["strace", "-f", "-qq", "-o", "/dev/null", "-e", $"trace={syscall.Name}", "-e", $"inject={syscall.Name}:delay_enter=5000000"]);
        try
        {
            GuardProcess? guard = null;
            await Eventually.Until(() => (guard = GuardOf(setup.Path)) is not null, TimeSpan.FromSeconds(60), "the repair armed a write guard");
            await Eventually.Until(() => InCallOn(guard!.Controller, syscall.Number, setup.Path), TimeSpan.FromSeconds(30), $"the controller is in its {syscall.Name} on the registry");

            first?.Invoke(guard!);
            Assert.Equal(0, Syscall.kill(guard!.Controller, Signum.SIGKILL));
            return new KilledRepair(setup, process, guard);
        }
        catch
        {
            await new KilledRepair(setup, process, null).DisposeAsync();
            throw;
        }
    }

    /// <summary><see cref="KillInAsync"/>, then waits for the guard to take the write over.</summary>
    private static async Task<KilledRepair> KillMidWriteAsync(MultiPageRepair setup, (string Name, int Number) syscall, Action<GuardProcess> first)
    {
        var repair = await KillInAsync(setup, syscall, first);
        try
        {
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
        // The controller is dead, the guard's dd waiting for our word: the lock must still be held ...
        var fd = Syscall.open(setup.Path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
        try
        {
            Assert.NotEqual(0, Posix.Flock(fd, Posix.LockShared | Posix.LockNonBlocking));

            // ... and a reader that waits for it gets the whole new file.
            await setup.ReleaseDdAsync();
            Assert.Equal(0, Posix.Flock(fd, Posix.LockShared));
            Assert.True(await Python.ParsesAsync(setup.Path));
            Assert.Equal("terminated", (string?)setup.Workspace.TaskAgent(setup.Task, setup.Zombie)["status"]);
        }
        finally
        {
            await setup.ReleaseDdAsync();
            _ = Syscall.close(fd);
        }
    }

    /// <summary>A live write guard for <paramref name="registry"/> (its last argument), if any.</summary>
    private static GuardProcess? GuardOf(string registry)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var arguments = File.ReadAllText(System.IO.Path.Combine(directory, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (int.TryParse(System.IO.Path.GetFileName(directory), out var pid) && arguments.Contains(WriteGuard.ProcessName) && arguments[^1] == registry)
                {
                    return new GuardProcess(pid, int.Parse(StatusField(pid, "PPid:"), System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return null;
    }

    /// <summary>Whether a thread of <paramref name="pid"/> is in system call <paramref name="number"/> (x86-64) on a descriptor of <paramref name="path"/>.</summary>
    private static bool InCallOn(int pid, int number, string path)
    {
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var call = File.ReadAllText(System.IO.Path.Combine(task, "syscall")).Split(' ');
                if (call[0] == number.ToString(System.Globalization.CultureInfo.InvariantCulture) && new FileInfo($"/proc/{pid}/fd/{Convert.ToInt32(call[1], 16)}").LinkTarget == path)
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The thread ended while we looked.
            }
        }

        return false;
    }

    private static long SignalMask(int pid, string field) => long.Parse(StatusField(pid, field), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    private static string StatusField(int pid, string field) =>
        File.ReadAllLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal))[field.Length..].Trim();

    private static bool Alive(int pid)
    {
        try
        {
            return !StatusField(pid, "State:").StartsWith('Z');
        }
        catch (IOException)
        {
            return false; // reaped
        }
    }

    private sealed record GuardProcess(int Pid, int Controller);

    /// <summary>
    /// The strace process of a killed repair and the guard it left. Disposing it lets the dd wrapper go
    /// on first (a guard keeps the controller's stderr open, and the process waits for it), then kills
    /// what is left of the strace tree.
    /// </summary>
    private sealed class KilledRepair(MultiPageRepair setup, RegistryctlProcess process, GuardProcess? guard) : IAsyncDisposable
    {
        public GuardProcess Guard => guard ?? throw new InvalidOperationException("no guard was found");

        public async ValueTask DisposeAsync()
        {
            await setup.ReleaseDdAsync();
            await process.DisposeAsync();
        }
    }

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
            DdRelease = System.IO.Path.Combine(workspace.Outside, "dd-release");
            Arguments = ["repair", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath];
            Environment = new Dictionary<string, string> { ["PATH"] = bin + ":" + System.Environment.GetEnvironmentVariable("PATH") };
        }

        public TmuxWorkspace Workspace { get; }

        public string Task { get; }

        public string Path { get; }

        public string Zombie { get; }

        public string DdStarted { get; }

        public string DdRelease { get; }

        public string[] Arguments { get; }

        public Dictionary<string, string> Environment { get; }

        public static async Task<MultiPageRepair> CreateAsync()
        {
            var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 6, Zombie: 1, Completed: 6));
            Assert.True(new FileInfo(workspace.TaskPath(workspace.TaskIds[0])).Length > System.Environment.SystemPageSize);
            var bin = Directory.CreateDirectory(System.IO.Path.Combine(workspace.Outside, "bin")).FullName;
            var started = System.IO.Path.Combine(workspace.Outside, "dd-started");
            var release = System.IO.Path.Combine(workspace.Outside, "dd-release");
            var realDd = (await Cli.Wrap("sh").WithArguments(["-c", "command -v dd"]).ExecuteBufferedAsync()).StandardOutput.Trim();
            var wrapper = System.IO.Path.Combine(bin, "dd");
            // It runs as the guard, which ignores SIGTERM: it gives up by itself once the test's directory is gone.
            await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\ntouch '{started}'\nwhile [ ! -e '{release}' ]; do [ -d '{bin}' ] || exit 1; sleep 0.05; done\nexec '{realDd}' \"$@\"\n");
            _ = Syscall.chmod(wrapper, FilePermissions.S_IRWXU);
            return new MultiPageRepair(workspace, bin);
        }

        /// <summary>Lets the dd wrapper go on (a guard that took a write over waits for it).</summary>
        public Task ReleaseDdAsync() => File.WriteAllTextAsync(DdRelease, string.Empty);

        public async ValueTask DisposeAsync()
        {
            await ReleaseDdAsync();
            await Workspace.DisposeAsync();
        }
    }

}
