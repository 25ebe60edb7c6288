using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace RegistryController.Store;

/// <summary>
/// A child process, armed before a multi-page write and stood down right after it, that finishes
/// the write if the controller dies in the middle of it, while the lock is still held.
/// </summary>
/// <remarks>
/// The kernel copies a <c>pwrite</c> into the page cache folio by folio and gives up between two
/// of them when the writer has a fatal signal pending (mm/filemap.c, generic_perform_write): a
/// controller SIGKILLed mid-write would leave new bytes followed by old ones, and the kernel would
/// release its flock with the file torn. So before writing, the new content is put whole into a
/// memfd and <c>sh</c> is spawned with that memfd as stdin, a dup of the registry's descriptor as
/// stdout and the read end of a pipe as fd 3. The dup shares the open file description, and with it
/// the flock. The guard waits for two lines. The controller checks that nobody changed the file,
/// sends "go", writes the file itself (one <c>pwrite</c>, so the window in which an unlocked writer
/// can collide with it stays microseconds, as for the orchestrator's own writer) and sends "done";
/// the guard exits without writing. If the controller dies after "go" and before "done", the guard
/// reads end-of-file and <c>exec</c>s <c>dd</c> to write the whole content, and the lock is released
/// only when dd is done. If it dies (or gives up) before "go", nothing was written and nothing is:
/// the content was never checked against the file as it is now. The guard runs in a process group of
/// its own and ignores the stop signals; a kill of every process at once (a cgroup kill, or the end of
/// a container whose PID 1 is the controller) still takes it too.
/// </remarks>
internal sealed partial class WriteGuard : IDisposable
{
    /// <summary>The guard's <c>$0</c>, as <c>ps</c> shows it: <c>sh -c … registryctl-write-guard SIZE DD PATH</c>.</summary>
    public const string ProcessName = "registryctl-write-guard";

    // The signals a stop sends to a whole service (systemd's control-group SIGTERM, a terminal's
    // SIGHUP or SIGINT) are ignored, by dd too: the controller finishes its write on SIGTERM, and if
    // it is then SIGKILLed the guard must still be there. They are blocked from the spawn on, so that
    // one sent before the trap runs waits, and the trap then discards it. dd writes the memfd (stdin)
    // at offset 0 of the registry (stdout), whole (fullblock keeps reading until it has it all).
    private const string Script = "trap '' HUP INT TERM; read -r go <&3 || exit 0; read -r done <&3 || exec \"$2\" bs=\"$1\" count=1 iflag=fullblock conv=fsync status=none";

    // glibc: posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 on 64-bit; room to spare.
    private const int ActionsSize = 1024;
    private const int AttributesSize = 1024;
    private const int SignalSetSize = 128;
    private const short SpawnSetProcessGroup = 0x02;
    private const short SpawnSetSignalMask = 0x08;
    private const uint MemfdCloseOnExec = 1;
    private const int PipeCloseOnExec = 0x80000;
    private const int DuplicateCloseOnExec = 1030; // F_DUPFD_CLOEXEC
    private static readonly int[] StopSignals = [1, 2, 15]; // SIGHUP, SIGINT, SIGTERM

    // Resolved once, to an absolute path: the guard must not depend on what PATH holds later.
    private static readonly Lazy<string?> Dd = new(() => (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
        .Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Where(Path.IsPathFullyQualified)
        .Select(directory => Path.Combine(directory, "dd"))
        .FirstOrDefault(candidate => Syscall.access(candidate, AccessModes.X_OK) == 0));

    private readonly int _pid;
    private int _control;
    private bool _went;

    private WriteGuard(int pid, int control)
    {
        _pid = pid;
        _control = control;
    }

    /// <summary>
    /// Arms a guard for writing <paramref name="content"/> at offset 0 of <paramref name="fd"/>;
    /// null when none could be started (no dd, no memfd, no memory for it, no sh).
    /// </summary>
    public static WriteGuard? Arm(int fd, byte[] content, string path)
    {
        if (Dd.Value is not { } dd)
        {
            return null;
        }

        var opened = new List<int>();
        var memfd = MemfdCreate("registryctl-write", MemfdCloseOnExec);
        var ends = new int[2];
        if (memfd < 0 || Pipe2(ends, PipeCloseOnExec) != 0)
        {
            Close(memfd);
            return null;
        }

        opened.AddRange([memfd, ends[0]]);
        var spawned = false;
        try
        {
            if (!WriteAll(memfd, content) || Syscall.lseek(memfd, 0, SeekFlags.SEEK_SET) != 0 || Syscall.lseek(fd, 0, SeekFlags.SEEK_SET) != 0)
            {
                return null;
            }

            // The spawn's dup2s go to 0, 1 and 3: a source already there (a controller started with
            // stdin or stdout closed) would be overwritten by an earlier dup2. Sources go above 3 first.
            var (content0, registry1, control3) = (Above3(memfd, opened), Above3(fd, opened), Above3(ends[0], opened));
            if (content0 < 0 || registry1 < 0 || control3 < 0)
            {
                return null;
            }

            string[] arguments = ["sh", "-c", Script, ProcessName, content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), dd, path];
            spawned = SpawnShell(arguments, content0, registry1, control3, out var pid);
            return spawned ? new WriteGuard(pid, ends[1]) : null;
        }
        catch (OutOfMemoryException)
        {
            // No memory for the memfd or the spawn: the write goes ahead unguarded.
            return null;
        }
        finally
        {
            opened.ForEach(Close);
            if (!spawned)
            {
                Close(ends[1]);
            }
        }
    }

    /// <summary>
    /// Spawns <c>/bin/sh</c> with the content on fd 0, the registry on fd 1 and the control pipe on fd 3, in its own
    /// process group and with the stop signals blocked; false when any step of the spawn failed.
    /// </summary>
    private static bool SpawnShell(string[] arguments, int content0, int registry1, int control3, out int pid)
    {
        pid = 0;
        var actions = IntPtr.Zero;
        var attributes = IntPtr.Zero;
        var blocked = IntPtr.Zero;
        var argv = new IntPtr[arguments.Length + 1];
        // PATH only: the guard runs sh, and dd by its full path; nothing else of the environment.
        var envp = new IntPtr[2];
        try
        {
            actions = Marshal.AllocHGlobal(ActionsSize);
            attributes = Marshal.AllocHGlobal(AttributesSize);
            blocked = Marshal.AllocHGlobal(SignalSetSize);
            for (var i = 0; i < arguments.Length; i++)
            {
                argv[i] = Marshal.StringToHGlobalAnsi(arguments[i]);
            }

            envp[0] = Marshal.StringToHGlobalAnsi("PATH=" + (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin"));
            if (FileActionsInit(actions) != 0)
            {
                return false;
            }

            try
            {
                if (AttributesInit(attributes) != 0)
                {
                    return false;
                }

                try
                {
                    return FileActionsAddDup2(actions, content0, 0) == 0
                        && FileActionsAddDup2(actions, registry1, 1) == 0
                        && FileActionsAddDup2(actions, control3, 3) == 0
                        && SignalSetEmpty(blocked) == 0
                        && StopSignals.All(signal => SignalSetAdd(blocked, signal) == 0)
                        && AttributesSetSignalMask(attributes, blocked) == 0
                        && AttributesSetFlags(attributes, SpawnSetProcessGroup | SpawnSetSignalMask) == 0
                        && AttributesSetProcessGroup(attributes, 0) == 0
                        && Spawn(out pid, "/bin/sh", actions, attributes, argv, envp) == 0;
                }
                finally
                {
                    _ = AttributesDestroy(attributes);
                }
            }
            finally
            {
                _ = FileActionsDestroy(actions);
            }
        }
        finally
        {
            foreach (var pointer in argv.Concat(envp).Where(a => a != IntPtr.Zero))
            {
                Marshal.FreeHGlobal(pointer);
            }

            foreach (var buffer in new[] { blocked, attributes, actions }.Where(b => b != IntPtr.Zero))
            {
                Marshal.FreeHGlobal(buffer);
            }
        }
    }

    /// <summary>The file is checked and about to be written: from now on, a death of the controller is the guard's to finish.</summary>
    public void Go()
    {
        _went = true;
        Send("go\n"u8);
    }

    /// <summary>Stands the guard down (the write is done, or was never begun) and reaps it.</summary>
    public void Dispose()
    {
        if (_control < 0)
        {
            return;
        }

        if (_went)
        {
            Send("done\n"u8);
        }

        // Without "go", end-of-file alone tells the guard to exit without writing.
        Close(_control);
        _control = -1;
        // ECHILD (someone else reaped it) ends the wait as well: the guard is gone either way.
        while (Syscall.waitpid(_pid, out _, 0) < 0 && Stdlib.GetLastError() == Errno.EINTR)
        {
        }
    }

    /// <summary>One line, one write of fewer than PIPE_BUF bytes: the guard reads all of it or none.</summary>
    private unsafe void Send(ReadOnlySpan<byte> line)
    {
        fixed (byte* bytes = line)
        {
            _ = Syscall.write(_control, bytes, (ulong)line.Length);
        }
    }

    // write(2), not pwrite: the memfd's offset is reset before the spawn anyway.
    private static unsafe bool WriteAll(int fd, byte[] content)
    {
        fixed (byte* start = content)
        {
            var done = 0L;
            while (done < content.LongLength)
            {
                var n = Syscall.write(fd, start + done, (ulong)(content.LongLength - done));
                if (n < 0 && Stdlib.GetLastError() == Errno.EINTR)
                {
                    continue;
                }

                if (n <= 0)
                {
                    return false;
                }

                done += n;
            }
        }

        return true;
    }

    private static int Above3(int fd, List<int> opened)
    {
        if (fd > 3)
        {
            return fd;
        }

        var copy = Fcntl(fd, DuplicateCloseOnExec, 4);
        if (copy >= 0)
        {
            opened.Add(copy);
        }

        return copy;
    }

    private static void Close(int fd)
    {
        if (fd >= 0)
        {
            _ = Syscall.close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2([Out] int[] fds, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int FileActionsInit(IntPtr actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int FileActionsAddDup2(IntPtr actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int FileActionsDestroy(IntPtr actions);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int AttributesInit(IntPtr attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int AttributesSetFlags(IntPtr attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setpgroup")]
    private static partial int AttributesSetProcessGroup(IntPtr attributes, int processGroup);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int AttributesSetSignalMask(IntPtr attributes, IntPtr mask);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static partial int SignalSetEmpty(IntPtr set);

    [LibraryImport("libc", EntryPoint = "sigaddset")]
    private static partial int SignalSetAdd(IntPtr set, int signal);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int AttributesDestroy(IntPtr attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Spawn(out int pid, string path, IntPtr actions, IntPtr attributes, IntPtr[] argv, IntPtr[] envp);
}
