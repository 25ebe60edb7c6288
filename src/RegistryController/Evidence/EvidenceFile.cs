using Microsoft.Win32.SafeHandles;
using Mono.Unix.Native;
using RegistryController.Locking;

namespace RegistryController.Evidence;

/// <summary>
/// One agent file opened for reading, only when it is a regular file whose real location is inside the task
/// directory: the same rule <see cref="Store.WorkspacePathGuard"/> applies to registries, answered with a
/// reason instead of an exception because a bad evidence file must never stop the caller.
/// </summary>
internal sealed class EvidenceFile : IDisposable
{
    private EvidenceFile(string path, SafeFileHandle handle, long length)
    {
        Path = path;
        Handle = handle;
        Length = length;
    }

    /// <summary>The path as the task directory names it (not the resolved one), for messages and facts.</summary>
    public string Path { get; }

    public SafeFileHandle Handle { get; }

    /// <summary>The size when opened; an appending writer's later bytes are not read.</summary>
    public long Length { get; }

    /// <summary>
    /// Opens <paramref name="path"/>. Null with a null <paramref name="problem"/> when nothing is there (the
    /// orchestrator's clean-up may have moved it, even between the look and the open); null with a problem
    /// when something is there that cannot be evidence.
    /// </summary>
    /// <param name="realRoot">The task directory's real path, every link resolved.</param>
    /// <param name="relative">The path below the task directory (<c>logs/&lt;agent&gt;_stream.jsonl</c>).</param>
    public static EvidenceFile? Open(string realRoot, string path, string relative, out string? problem)
    {
        if (ResolveInside(realRoot, path, relative, out problem) is not { } real)
        {
            return null;
        }

        // O_NOFOLLOW: a link swapped in after the checks is refused. O_NONBLOCK: so is a FIFO swapped in.
        var fd = Syscall.open(real, OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Stdlib.GetLastError();
            problem = errno switch
            {
                Errno.ENOENT => null,
                Errno.ELOOP => "became a symbolic link while being opened: not read",
                _ => $"cannot be opened: {Describe(errno)}",
            };
            return null;
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Syscall.fstat(fd, out var opened) != 0 || NotAFile(opened) is not null)
        {
            handle.Dispose();
            problem = "is not a regular file: not read";
            return null;
        }

        return new EvidenceFile(path, handle, opened.st_size);
    }

    /// <summary>
    /// The real path of <paramref name="path"/> when it is a regular file inside <paramref name="realRoot"/>; null
    /// otherwise, with the problem, or with none when nothing is there.
    /// </summary>
    private static string? ResolveInside(string realRoot, string path, string relative, out string? problem)
    {
        problem = null;
        if (Syscall.lstat(path, out var own) != 0)
        {
            var errno = Stdlib.GetLastError();
            problem = errno is Errno.ENOENT or Errno.ENOTDIR ? null : $"cannot look at it: {Describe(errno)}";
            return null;
        }

        if ((own.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFREG && PlainDirectoriesBelow(realRoot, relative))
        {
            // A regular file, not a link, in directories that are no links either: its real path is below the root's,
            // known without realpath, which reads every component from / (a readlink(2) each).
            return realRoot.TrimEnd('/') + "/" + relative;
        }

        var real = Posix.RealPath(path, out var realErrno);
        var isLink = (own.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFLNK;
        if (real is null && !isLink && NativeConvert.ToErrno(realErrno) is Errno.ENOENT)
        {
            // Moved to archive/ between the two looks.
            return null;
        }

        if (real is null)
        {
            problem = realErrno == Posix.ELoop ? "is a symbolic link that loops back on itself: not read"
                : isLink ? $"is a symbolic link to {new FileInfo(path).LinkTarget}, which does not exist: not read"
                : $"cannot be resolved: {Describe(NativeConvert.ToErrno(realErrno))}";
            return null;
        }

        if (!real.StartsWith(realRoot.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            problem = $"resolves to {real}, outside the task directory {realRoot}: not read";
            return null;
        }

        // The type is checked before any open: opening a FIFO for reading waits for a writer that may never come.
        if (Syscall.lstat(real, out var target) != 0)
        {
            var errno = Stdlib.GetLastError();
            problem = errno is Errno.ENOENT ? null : $"cannot look at it: {Describe(errno)}";
            return null;
        }

        problem = NotAFile(target);
        return problem is null ? real : null;
    }

    /// <summary>Whether each directory of <paramref name="relative"/> (all but its last step) is a directory below the root and no link.</summary>
    private static bool PlainDirectoriesBelow(string realRoot, string relative)
    {
        var steps = relative.Split('/');
        var current = realRoot.TrimEnd('/');
        foreach (var step in steps)
        {
            if (step is "" or "." or ".." || step.Contains('\0', StringComparison.Ordinal))
            {
                return false;
            }
        }

        for (var i = 0; i < steps.Length - 1; i++)
        {
            current += "/" + steps[i];
            if (Syscall.lstat(current, out var directory) != 0 || (directory.st_mode & FilePermissions.S_IFMT) != FilePermissions.S_IFDIR)
            {
                return false;
            }
        }

        return true;
    }

    private static string? NotAFile(Stat stat) => (stat.st_mode & FilePermissions.S_IFMT) switch
    {
        FilePermissions.S_IFREG => null,
        FilePermissions.S_IFDIR => "is a directory, not a file: not read",
        FilePermissions.S_IFIFO => "is a FIFO (named pipe), not a file: not opened",
        FilePermissions.S_IFSOCK => "is a socket, not a file: not opened",
        FilePermissions.S_IFCHR => "is a character device, not a file: not opened",
        FilePermissions.S_IFBLK => "is a block device, not a file: not opened",
        _ => "is not a regular file: not opened",
    };

    private static string Describe(Errno errno) => errno switch
    {
        Errno.EACCES or Errno.EPERM => "permission denied",
        Errno.ELOOP => "too many symbolic links",
        Errno.ENAMETOOLONG => "the name is too long",
        Errno.EIO => "I/O error",
        _ => errno.ToString(),
    };

    public void Dispose() => Handle.Dispose();
}
