using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace RegistryController.Tools.Torture;

/// <summary>The harness's own writes: in place under flock(LOCK_EX), valid JSON at every instant when the file shrinks.</summary>
public static partial class LockedFile
{
    private const int LockShared = 1;
    private const int LockExclusive = 2;

    /// <summary>Reads the whole file under flock(LOCK_SH), waiting for a writer as the orchestrator's readers do.</summary>
    public static byte[] ReadShared(string path)
    {
        var fd = Syscall.open(path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"open {path}: {Stdlib.GetLastError()}");
        }

        try
        {
            Lock(fd, LockShared, path);
            using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false);
            using var content = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = RandomAccess.Read(handle, buffer, content.Length)) > 0)
            {
                content.Write(buffer, 0, n);
            }

            return content.ToArray();
        }
        finally
        {
            _ = Syscall.close(fd);
        }
    }

    /// <summary>Puts <paramref name="content"/> back into the file: same inode, padded then truncated, under LOCK_EX.</summary>
    public static void Restore(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var fd = Syscall.open(path, OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"open {path}: {Stdlib.GetLastError()}");
        }

        try
        {
            Lock(fd, LockExclusive, path);

            _ = Syscall.fstat(fd, out var stat);
            var padded = content;
            if (content.LongLength < stat.st_size)
            {
                padded = new byte[stat.st_size];
                content.CopyTo(padded, 0);
                padded.AsSpan(content.Length).Fill((byte)' ');
            }

            using (var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false))
            {
                RandomAccess.Write(handle, padded, 0);
            }

            if (content.LongLength < stat.st_size && Syscall.ftruncate(fd, content.LongLength) != 0)
            {
                throw new IOException($"ftruncate {path}: {Stdlib.GetLastError()}");
            }
        }
        finally
        {
            _ = Syscall.close(fd);
        }
    }

    private static void Lock(int fd, int operation, string path)
    {
        while (Flock(fd, operation) != 0)
        {
            if (Marshal.GetLastPInvokeError() != (int)Errno.EINTR)
            {
                throw new IOException($"flock {path}: {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    public static ulong Inode(string path) => Syscall.stat(path, out var stat) == 0 ? stat.st_ino : 0;

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);
}
