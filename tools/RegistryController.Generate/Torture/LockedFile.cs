using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace RegistryController.Tools.Torture;

/// <summary>The harness's own writes: in place under flock(LOCK_EX), valid JSON at every instant when the file shrinks.</summary>
public static partial class LockedFile
{
    private const int LockExclusive = 2;

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
            while (Flock(fd, LockExclusive) != 0)
            {
                if (Marshal.GetLastPInvokeError() != (int)Errno.EINTR)
                {
                    throw new IOException($"flock {path}: {Marshal.GetLastPInvokeError()}");
                }
            }

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

    public static ulong Inode(string path) => Syscall.stat(path, out var stat) == 0 ? stat.st_ino : 0;

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int fd, int operation);
}
