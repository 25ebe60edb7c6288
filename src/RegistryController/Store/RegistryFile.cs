using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Mono.Unix.Native;
using RegistryController.Locking;

namespace RegistryController.Store;

/// <summary>
/// One open registry file: opened by its real path inside the workspace, never through a link,
/// locked with flock on the file itself (the orchestrator's convention), closed to unlock.
/// </summary>
internal sealed partial class RegistryFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly int _fd;

    private RegistryFile(string path, int fd)
    {
        Path = path;
        _fd = fd;
        _handle = new SafeFileHandle(fd, ownsHandle: true);
    }

    public string Path { get; }

    /// <summary>The file as opened, before any lock: its inode names it (in a lock-timeout message) for as long as it is open.</summary>
    public FileIdentity Opened { get; private set; }

    // O_NOFOLLOW: the resolved path cannot be swapped for a link between the check and the open.
    // O_NONBLOCK: a FIFO planted at the path must not hang the controller.
    private const OpenFlags Reading = OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC;
    private const OpenFlags Writing = OpenFlags.O_RDWR | OpenFlags.O_NOFOLLOW | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC;
    private static readonly int NativeReading = NativeConvert.FromOpenFlags(Reading);
    private static readonly int NativeWriting = NativeConvert.FromOpenFlags(Writing);

    public static RegistryFile Open(RegistryLocation location, bool forWriting)
    {
        var fd = WorkspacePathGuard.OpenPlain(location, forWriting ? NativeWriting : NativeReading);
        if (fd < 0)
        {
            fd = OpenResolved(location, forWriting);
        }

        var file = new RegistryFile(location.Path, fd);
        if (Syscall.fstat(fd, out var stat) != 0 || (stat.st_mode & FilePermissions.S_IFMT) != FilePermissions.S_IFREG)
        {
            file.Dispose();
            throw new RegistryAccessException(location.Path, "is not a regular file: refused");
        }

        file.Opened = new FileIdentity(stat.st_ino, stat.st_size, stat.st_mtime, stat.st_mtime_nsec);
        return file;
    }

    /// <summary>Opens the registry by its real path once <see cref="WorkspacePathGuard.Resolve"/> has found it inside the workspace.</summary>
    private static int OpenResolved(RegistryLocation location, bool forWriting)
    {
        var real = WorkspacePathGuard.Resolve(location);
        var fd = Syscall.open(real, forWriting ? Writing : Reading);
        if (fd < 0)
        {
            var errno = Stdlib.GetLastError();
            throw errno switch
            {
                Errno.ENOENT => new RegistryAccessException(location.Path, "the file no longer exists"),
                Errno.EACCES or Errno.EPERM => new RegistryAccessException(location.Path, $"permission denied ({(forWriting ? "read-write" : "read")} open)"),
                Errno.ELOOP => new RegistryAccessException(location.Path, "is a symbolic link: refused"),
                _ => new RegistryAccessException(location.Path, $"cannot open: {errno}"),
            };
        }

        return fd;
    }

    /// <summary>Takes the flock without blocking; contention is the retry pipeline's business.</summary>
    public void Lock(bool exclusive)
    {
        var operation = (exclusive ? Posix.LockExclusive : Posix.LockShared) | Posix.LockNonBlocking;
        while (Posix.Flock(_fd, operation) != 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == Posix.EIntr)
            {
                continue;
            }

            throw errno == Posix.EWouldBlock
                ? new LockContendedException(Path)
                : new RegistryAccessException(Path, $"flock failed with errno {errno}");
        }
    }

    public FileIdentity Identity()
    {
        if (Syscall.fstat(_fd, out var stat) != 0)
        {
            throw new RegistryAccessException(Path, $"fstat failed: {Stdlib.GetLastError()}");
        }

        return new FileIdentity(stat.st_ino, stat.st_size, stat.st_mtime, stat.st_mtime_nsec);
    }

    public byte[] ReadAll(long maxBytes)
    {
        var size = SizeWithin(maxBytes);
        var buffer = new byte[size];
        ReadInto(buffer.AsSpan());
        return buffer;
    }

    /// <summary>The file's size, refused over <paramref name="maxBytes"/>.</summary>
    public long SizeWithin(long maxBytes)
    {
        var size = Identity().Size;
        return size <= maxBytes
            ? size
            : throw new RegistryAccessException(Path, $"is {size:N0} bytes, over the {maxBytes:N0}-byte limit ({RegistryStoreOptions.Section}:{nameof(RegistryStoreOptions.MaxFileBytes)}): not read");
    }

    private void ReadInto(Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            read += ReadAt(buffer[read..], read);
        }
    }

    /// <summary>Some of the file at <paramref name="offset"/> (a <see cref="Registry.ReadAt"/>), never nothing while <paramref name="buffer"/> has room.</summary>
    /// <exception cref="LockContendedException">The file ended before <paramref name="offset"/>: it shrank under us.</exception>
    public int ReadAt(Span<byte> buffer, long offset)
    {
        var n = RandomAccess.Read(_handle, buffer, offset);
        // Shrunk under us: an unlocked writer. What we have is not the file.
        return n > 0 || buffer.IsEmpty ? n : throw new LockContendedException(Path);
    }

    /// <summary>
    /// Rewrites the file in place so that it keeps its inode, owner and mode and so that a process
    /// blocked in flock on it still locks the live file (a rename would strand it on the old inode).
    /// A shorter text is first written padded with spaces to the old length, then truncated: both
    /// states are valid JSON, so a crash between the two leaves only trailing white space. A write of
    /// more than one page is covered by a <see cref="WriteGuard"/> that holds the same lock and
    /// finishes it if the controller is killed in the middle.
    /// </summary>
    /// <exception cref="LockContendedException">The file changed since <paramref name="asRead"/>: an unlocked writer is at work.</exception>
    public void WriteInPlace(byte[] content, long oldLength, FileIdentity asRead, bool fsync)
    {
        var padded = content;
        if (content.LongLength < oldLength)
        {
            padded = new byte[oldLength];
            content.CopyTo(padded, 0);
            padded.AsSpan(content.Length).Fill((byte)' ');
        }

        // One page is one folio, which a kill cannot cut. If no guard can be started the write goes
        // ahead unguarded, as the orchestrator's own writer always does; the write span says which.
        var multiPage = padded.Length > Environment.SystemPageSize;
        using (var guard = multiPage ? WriteGuard.Arm(_fd, padded, Path) : null)
        {
            if (multiPage)
            {
                Activity.Current?.SetTag(Telemetry.RegistryTelemetry.Attributes.WriteGuarded, guard is not null);
            }

            // A careless (unlocked) writer may have rewritten the file since we read it; writing now
            // would interleave with it. Checked after arming the guard, right before the write, to
            // keep the collision window to the write itself.
            if (Identity() != asRead)
            {
                throw new LockContendedException(Path);
            }

            // A longer file needs blocks the disk may not have, and a pwrite that runs out of them stops
            // half-way: reserve them first (the size stays, so the content stays as it is) and refuse
            // cleanly. After the check, since fallocate updates the file's mtime.
            if (padded.LongLength > oldLength && Fallocate(_fd, KeepSize, 0, padded.LongLength) != 0
                && Stdlib.GetLastError() is var errno && errno is Errno.ENOSPC or Errno.EDQUOT)
            {
                throw new RegistryAccessException(Path, $"no space for the new content ({(errno == Errno.ENOSPC ? "disk full" : "quota exceeded")}): not written");
            }

            guard?.Go();
            RandomAccess.Write(_handle, padded, 0);
            if (content.LongLength < oldLength && Syscall.ftruncate(_fd, content.LongLength) != 0)
            {
                throw new RegistryAccessException(Path, $"ftruncate failed: {Stdlib.GetLastError()} (the file is valid JSON with trailing spaces)");
            }
        }

        if (fsync && Syscall.fsync(_fd) != 0)
        {
            throw new RegistryAccessException(Path, $"fsync failed: {Stdlib.GetLastError()}");
        }
    }

    private const int KeepSize = 1; // FALLOC_FL_KEEP_SIZE

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(int fd, int mode, long offset, long length);

    public void Dispose()
    {
        // Unlock before closing: a child process forked by another thread between its fork and its
        // exec shares this open file description, and close() alone would leave the lock held by it.
        // LOCK_UN releases the description's lock whoever else still holds a copy of the descriptor.
        if (!_handle.IsClosed)
        {
            _ = Posix.Flock(_fd, Posix.LockUnlock);
        }

        _handle.Dispose();
    }
}

/// <summary>Enough of fstat to notice that a file changed between two looks.</summary>
internal readonly record struct FileIdentity(ulong Inode, long Size, long MTime, long MTimeNanoseconds);
