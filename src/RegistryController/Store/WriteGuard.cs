using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Mono.Unix.Native;

namespace RegistryController.Store;

/// <summary>
/// A child process, armed before a multi-page write and stood down right after it, that finishes
/// the write if the controller dies in between, while the lock is still held.
/// </summary>
/// <remarks>
/// The kernel copies a <c>pwrite</c> into the page cache folio by folio and gives up between two
/// of them when the writer has a fatal signal pending (mm/filemap.c, generic_perform_write): a
/// controller SIGKILLed mid-write would leave new bytes followed by old ones, and the kernel would
/// release its flock with the file torn. So before writing, the new content is put whole into a
/// memfd and <c>sh</c> is spawned with that memfd as stdin, a dup of the registry's descriptor as
/// stdout and the read end of a pipe as fd 3. The dup shares the open file description, and with it
/// the flock: the lock is held until both the controller and the guard have closed it. The guard
/// waits for a line on the pipe. The controller writes the file itself (one <c>pwrite</c>, so the
/// window in which an unlocked writer can collide with it stays microseconds, as for the
/// orchestrator's own writer), then sends the line and the guard exits without writing. If the
/// controller dies first, the guard reads end-of-file instead and <c>exec</c>s <c>dd</c> to write
/// the whole content, and only then is the lock released. The guard runs in a process group of its
/// own, so a signal to the controller's group (Ctrl-C, <c>kill -- -PGID</c>) does not reach it; a kill
/// of every process at once (a cgroup kill) can still take it too.
/// </remarks>
internal sealed partial class WriteGuard : IDisposable
{
    /// <summary>What <c>ps</c> shows as the guard's name: <c>sh -c … registryctl-write-guard SIZE</c>.</summary>
    public const string ProcessName = "registryctl-write-guard";

    // `read` fails only at end of file without a line: the controller is gone. dd then writes the
    // memfd (stdin) at offset 0 of the registry (stdout), whole: fullblock keeps reading until done.
    // The signals a stop sends to a whole service (systemd's control-group SIGTERM, a terminal's
    // SIGHUP or SIGINT) are ignored, by dd too: the controller finishes its write on SIGTERM, and if
    // it is then SIGKILLed the guard must still be there. They are blocked from the spawn on, so that
    // one sent before the trap runs waits, and the trap then discards it.
    private const string Script = "trap '' HUP INT TERM; read -r line <&3 || exec dd bs=\"$1\" count=1 iflag=fullblock status=none";

    // glibc: posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 on 64-bit; room to spare.
    private const int ActionsSize = 1024;
    private const int AttributesSize = 1024;
    private const short SpawnSetProcessGroup = 0x02;
    private const short SpawnSetSignalMask = 0x08;
    private const int SignalSetSize = 128;
    private static readonly int[] StopSignals = [1, 2, 15]; // SIGHUP, SIGINT, SIGTERM
    private const uint MemfdCloseOnExec = 1;
    private const int PipeCloseOnExec = 0x80000;

    private readonly int _pid;
    private readonly string _path;
    private int _control;

    private WriteGuard(int pid, int control, string path)
    {
        _pid = pid;
        _control = control;
        _path = path;
    }

    /// <summary>Arms a guard for writing <paramref name="content"/> at offset 0 of <paramref name="fd"/>; null when none could be started.</summary>
    public static WriteGuard? Arm(int fd, byte[] content, string path)
    {
        var memfd = MemfdCreate("registryctl-write", MemfdCloseOnExec);
        if (memfd < 0)
        {
            return null;
        }

        var ends = new int[2];
        if (Pipe2(ends, PipeCloseOnExec) != 0)
        {
            _ = Syscall.close(memfd);
            return null;
        }

        var actions = Marshal.AllocHGlobal(ActionsSize);
        var attributes = Marshal.AllocHGlobal(AttributesSize);
        var blocked = Marshal.AllocHGlobal(SignalSetSize);
        string[] arguments = ["sh", "-c", Script, ProcessName, content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var argv = new IntPtr[arguments.Length + 1];
        // PATH only: the guard runs sh and dd, and needs nothing else of the controller's environment.
        var envp = new IntPtr[2];
        var spawned = false;
        try
        {
            using (var memory = new SafeFileHandle(memfd, ownsHandle: false))
            {
                RandomAccess.Write(memory, content, 0);
            }

            // dd reads its stdin and writes its stdout from the descriptions' offsets.
            if (Syscall.lseek(memfd, 0, SeekFlags.SEEK_SET) != 0 || Syscall.lseek(fd, 0, SeekFlags.SEEK_SET) != 0)
            {
                return null;
            }

            for (var i = 0; i < arguments.Length; i++)
            {
                argv[i] = Marshal.StringToHGlobalAnsi(arguments[i]);
            }

            envp[0] = Marshal.StringToHGlobalAnsi("PATH=" + (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin"));
            if (FileActionsInit(actions) != 0)
            {
                return null;
            }

            try
            {
                if (AttributesInit(attributes) != 0)
                {
                    return null;
                }

                try
                {
                    if (FileActionsAddDup2(actions, memfd, 0) != 0
                        || FileActionsAddDup2(actions, fd, 1) != 0
                        || FileActionsAddDup2(actions, ends[0], 3) != 0
                        || SignalSetEmpty(blocked) != 0
                        || StopSignals.Any(signal => SignalSetAdd(blocked, signal) != 0)
                        || AttributesSetSignalMask(attributes, blocked) != 0
                        || AttributesSetFlags(attributes, SpawnSetProcessGroup | SpawnSetSignalMask) != 0
                        || AttributesSetProcessGroup(attributes, 0) != 0
                        || Spawn(out var pid, "/bin/sh", actions, attributes, argv, envp) != 0)
                    {
                        return null;
                    }

                    spawned = true;
                    return new WriteGuard(pid, ends[1], path);
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

            Marshal.FreeHGlobal(blocked);
            Marshal.FreeHGlobal(attributes);
            Marshal.FreeHGlobal(actions);
            _ = Syscall.close(memfd);
            _ = Syscall.close(ends[0]);
            if (!spawned)
            {
                _ = Syscall.close(ends[1]);
            }
        }
    }

    /// <summary>Stands the guard down (the controller is alive and the write is done or abandoned) and reaps it.</summary>
    public void Dispose()
    {
        if (_control < 0)
        {
            return;
        }

        // One line, one write of fewer than PIPE_BUF bytes: the guard sees all of it or nothing.
        var line = "done\n"u8.ToArray();
        unsafe
        {
            fixed (byte* bytes = line)
            {
                _ = Syscall.write(_control, bytes, (ulong)line.Length);
            }
        }

        _ = Syscall.close(_control);
        _control = -1;
        while (Syscall.waitpid(_pid, out _, 0) < 0 && Stdlib.GetLastError() == Errno.EINTR)
        {
        }
    }

    public override string ToString() => $"write guard {_pid} for {_path}";

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2([Out] int[] fds, int flags);

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
