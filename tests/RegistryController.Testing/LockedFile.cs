using System.Runtime.InteropServices;
using Mono.Unix.Native;
using RegistryController.Locking;

namespace RegistryController.Testing;

/// <summary>
/// The orchestrator's careful writer and locked reader in C#: in place under flock (the store's own
/// binding), same inode, no temp file and rename.
/// </summary>
public static class LockedFile
{
    /// <summary>Reads the whole file under flock(LOCK_SH), waiting for a writer as the orchestrator's readers do.</summary>
    public static byte[] ReadShared(string path)
    {
        var fd = Open(path, OpenFlags.O_RDONLY);
        try
        {
            Lock(fd, Posix.LockShared, path);
            return ReadAll(fd);
        }
        finally
        {
            _ = Syscall.close(fd);
        }
    }

    /// <summary>Puts <paramref name="content"/> back into the file: same inode, padded then truncated, under LOCK_EX.</summary>
    /// <remarks>Padding first keeps the file valid JSON at every instant when it shrinks, for readers that take no lock.</remarks>
    public static void Restore(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var fd = Open(path, OpenFlags.O_RDWR);
        try
        {
            Lock(fd, Posix.LockExclusive, path);
            _ = Syscall.fstat(fd, out var stat);
            var padded = content;
            if (content.LongLength < stat.st_size)
            {
                padded = new byte[stat.st_size];
                content.CopyTo(padded, 0);
                padded.AsSpan(content.Length).Fill((byte)' ');
            }

            Write(fd, padded, content.LongLength, path);
        }
        finally
        {
            _ = Syscall.close(fd);
        }
    }

    /// <summary>
    /// The orchestrator's careful writer: open r+, flock(LOCK_EX), read, change, seek(0)/write/truncate, unlock.
    /// </summary>
    public static void Update(string path, Func<byte[], byte[]> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var fd = Open(path, OpenFlags.O_RDWR);
        try
        {
            Lock(fd, Posix.LockExclusive, path);
            var output = change(ReadAll(fd));
            Write(fd, output, output.LongLength, path);
        }
        finally
        {
            _ = Syscall.close(fd);
        }
    }

    public static ulong Inode(string path) => Syscall.stat(path, out var stat) == 0 ? stat.st_ino : 0;

    private static int Open(string path, OpenFlags flags)
    {
        var fd = Syscall.open(path, flags | OpenFlags.O_CLOEXEC);
        return fd >= 0 ? fd : throw new IOException($"open {path}: {Stdlib.GetLastError()}");
    }

    private static byte[] ReadAll(int fd)
    {
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

    /// <summary>Writes <paramref name="bytes"/> at 0 and cuts the file to <paramref name="length"/> when it was longer.</summary>
    private static void Write(int fd, byte[] bytes, long length, string path)
    {
        _ = Syscall.fstat(fd, out var stat);
        using (var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: false))
        {
            RandomAccess.Write(handle, bytes, 0);
        }

        if (length < Math.Max(stat.st_size, bytes.LongLength) && Syscall.ftruncate(fd, length) != 0)
        {
            throw new IOException($"ftruncate {path}: {Stdlib.GetLastError()}");
        }
    }

    private static void Lock(int fd, int operation, string path)
    {
        while (Posix.Flock(fd, operation) != 0)
        {
            if (Marshal.GetLastPInvokeError() != Posix.EIntr)
            {
                throw new IOException($"flock {path}: {Marshal.GetLastPInvokeError()}");
            }
        }
    }
}
