using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Mono.Unix.Native;

namespace RegistryController.Store;

/// <summary>
/// Performs one multi-page write in a child process (<c>dd</c>) that shares the locked open file
/// description, so that a SIGKILL of the controller cannot cut the write short.
/// </summary>
/// <remarks>
/// The kernel copies a <c>pwrite</c> into the page cache folio by folio and gives up between two
/// of them when the writer has a fatal signal pending (mm/filemap.c, generic_perform_write): a
/// controller killed at that moment would leave new bytes followed by old ones, and its flock would
/// be released with the file torn. Here the new content is first put whole into a memfd; then
/// <c>dd</c> is spawned with that memfd as stdin and a dup of the registry's descriptor as stdout.
/// The dup shares the open file description, and with it the flock: the lock is held until both the
/// controller and dd have closed it. Whatever happens to the controller after the spawn, dd writes
/// the whole content and only then is the lock released. dd runs in a process group of its own, so
/// a signal to the controller's group (Ctrl-C, <c>kill -- -PGID</c>) does not reach it either. A kill
/// of every process at once (a cgroup kill) can still interrupt dd itself.
/// </remarks>
internal static partial class DetachedWriter
{
    // glibc: posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 on 64-bit; room to spare.
    private const int ActionsSize = 1024;
    private const int AttributesSize = 1024;
    private const short SpawnSetProcessGroup = 0x02;
    private const uint MemfdCloseOnExec = 1;

    /// <summary>Writes <paramref name="content"/> at offset 0 of <paramref name="fd"/> through dd; false when dd could not be started (nothing written).</summary>
    public static bool TryWrite(int fd, byte[] content, string path)
    {
        var memfd = MemfdCreate("registryctl-write", MemfdCloseOnExec);
        if (memfd < 0)
        {
            return false;
        }

        var actions = Marshal.AllocHGlobal(ActionsSize);
        var attributes = Marshal.AllocHGlobal(AttributesSize);
        string[] arguments = ["dd", $"bs={content.Length}", "count=1", "iflag=fullblock", "status=none"];
        var argv = new IntPtr[arguments.Length + 1];
        var envp = Marshal.AllocHGlobal(IntPtr.Size);
        Marshal.WriteIntPtr(envp, IntPtr.Zero);
        try
        {
            using (var memory = new SafeFileHandle(memfd, ownsHandle: false))
            {
                RandomAccess.Write(memory, content, 0);
            }

            // dd reads its stdin and writes its stdout from the descriptions' offsets.
            if (Syscall.lseek(memfd, 0, SeekFlags.SEEK_SET) != 0 || Syscall.lseek(fd, 0, SeekFlags.SEEK_SET) != 0)
            {
                return false;
            }

            for (var i = 0; i < arguments.Length; i++)
            {
                argv[i] = Marshal.StringToHGlobalAnsi(arguments[i]);
            }

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
                    if (FileActionsAddDup2(actions, memfd, 0) != 0
                        || FileActionsAddDup2(actions, fd, 1) != 0
                        || AttributesSetFlags(attributes, SpawnSetProcessGroup) != 0
                        || AttributesSetProcessGroup(attributes, 0) != 0
                        || SpawnP(out var pid, "dd", actions, attributes, argv, envp) != 0)
                    {
                        return false;
                    }

                    Wait(pid, path);
                    return true;
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
            foreach (var argument in argv.Where(a => a != IntPtr.Zero))
            {
                Marshal.FreeHGlobal(argument);
            }

            Marshal.FreeHGlobal(envp);
            Marshal.FreeHGlobal(attributes);
            Marshal.FreeHGlobal(actions);
            _ = Syscall.close(memfd);
        }
    }

    private static void Wait(int pid, string path)
    {
        while (true)
        {
            var waited = Syscall.waitpid(pid, out var status, 0);
            if (waited == pid)
            {
                if (!Syscall.WIFEXITED(status) || Syscall.WEXITSTATUS(status) != 0)
                {
                    throw new RegistryAccessException(path, $"the write failed (dd exit status {status}); the lock is released only now, and the file may be incomplete");
                }

                return;
            }

            var errno = Stdlib.GetLastError();
            if (errno == Errno.EINTR)
            {
                continue;
            }

            // ECHILD: someone else reaped it; dd has exited, which is all the lock needs.
            return;
        }
    }

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

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

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int AttributesDestroy(IntPtr attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnp", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SpawnP(out int pid, string file, IntPtr actions, IntPtr attributes, IntPtr[] argv, IntPtr envp);
}
