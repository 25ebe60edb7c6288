using System.Diagnostics;
using System.Runtime.InteropServices;
using CliWrap;
using CliWrap.Buffered;
using Mono.Unix.Native;
using RegistryController.Generation;
using RegistryController.Tests.Support;

namespace RegistryController.Tests.Store;

/// <summary>
/// <c>registryctl repair</c> killed with SIGKILL while a multi-page registry write is in flight.
/// The write is made to last: <c>dd</c> is found first on the PATH as a wrapper that says it has
/// started, waits two seconds, then runs the real dd. The controller is killed in those seconds.
/// </summary>
public sealed partial class KilledWriteTests
{
    [Fact]
    public async Task A_repair_killed_mid_write_keeps_the_lock_until_the_whole_new_file_is_written()
    {
        // 13 agents: a registry of several pages, so its write goes through the detached writer.
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 6, Zombie: 1, Completed: 6));
        var task = workspace.TaskIds[0];
        var path = workspace.TaskPath(task);
        var zombie = workspace.Truth.Zombies.Single().AgentId;
        Assert.True(new FileInfo(path).Length > Environment.SystemPageSize);

        var bin = Directory.CreateDirectory(Path.Combine(workspace.Outside, "bin")).FullName;
        var started = Path.Combine(workspace.Outside, "dd-started");
        var realDd = (await Cli.Wrap("sh").WithArguments(["-c", "command -v dd"]).ExecuteBufferedAsync()).StandardOutput.Trim();
        var wrapper = Path.Combine(bin, "dd");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\ntouch '{started}'\nsleep 2\nexec '{realDd}' \"$@\"\n");
        _ = Syscall.chmod(wrapper, FilePermissions.S_IRWXU);

        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "registryctl.dll"), "repair", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        using var repair = Process.Start(info)!;
        var waited = Stopwatch.StartNew();
        while (!File.Exists(started) && !repair.HasExited && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(5);
        }

        Assert.True(File.Exists(started), "the repair never started a detached write");
        _ = Syscall.kill(repair.Id, Signum.SIGKILL);
        await repair.WaitForExitAsync();

        // The controller is dead, its write still in flight: the lock must still be held ...
        var fd = Syscall.open(path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
        try
        {
            Assert.NotEqual(0, Flock(fd, LockShared | LockNonBlocking));

            // ... and a reader that waits for it gets the whole new file.
            Assert.Equal(0, Flock(fd, LockShared));
            Assert.True(await Python.ParsesAsync(path));
            Assert.Equal("terminated", (string?)workspace.TaskAgent(task, zombie)["status"]);
        }
        finally
        {
            _ = Syscall.close(fd);
        }
    }

    private const int LockShared = 1;
    private const int LockNonBlocking = 4;

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);
}
