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
    /// <param name="root">The task directory whose real path the file must be below.</param>
    /// <param name="directory">The directory of the task directory that <paramref name="path"/> names the file in (<c>logs</c>).</param>
    public static EvidenceFile? Open(RealDirectory root, string path, string directory, out string? problem)
    {
        if (ResolveInside(root, path, directory, out problem) is not { } real)
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
        if (Syscall.fstat(fd, out var opened) != 0 || NotAFile((int)(opened.st_mode & FilePermissions.S_IFMT)) is not null)
        {
            handle.Dispose();
            problem = "is not a regular file: not read";
            return null;
        }

        return new EvidenceFile(path, handle, opened.st_size);
    }

    /// <summary>
    /// The real path of <paramref name="path"/> when it is a regular file inside <paramref name="root"/>; null
    /// otherwise, with the problem, or with none when nothing is there.
    /// </summary>
    private static string? ResolveInside(RealDirectory root, string path, string directory, out string? problem)
    {
        problem = null;
        var errno = Posix.FileType(path, followLinks: false, out var own);
        if (errno != 0)
        {
            problem = errno is Posix.ENoEnt or Posix.ENotDir ? null : $"cannot look at it: {Describe(NativeConvert.ToErrno(errno))}";
            return null;
        }

        // Something is there: only now is the root's real path needed (most agents in question have left no file).
        if (root.Path is not { } realRoot)
        {
            // The task directory went away since the file was seen: nothing there any more.
            return null;
        }

        if (own == Posix.RegularFile && PlainDirectory(realRoot, directory) is { } below)
        {
            // A regular file, not a link, in a directory that is no link either: its real path is below the root's,
            // known without realpath, which reads every component from / (a readlink(2) each).
            return below + "/" + System.IO.Path.GetFileName(path);
        }

        var real = Posix.RealPath(path, out var realErrno);
        var isLink = own == Posix.SymbolicLink;
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
        var targetErrno = Posix.FileType(real, followLinks: false, out var target);
        if (targetErrno != 0)
        {
            problem = targetErrno == Posix.ENoEnt ? null : $"cannot look at it: {Describe(NativeConvert.ToErrno(targetErrno))}";
            return null;
        }

        problem = NotAFile(target);
        return problem is null ? real : null;
    }

    /// <summary><paramref name="realRoot"/>/<paramref name="directory"/> when that is a directory and no link; null otherwise.</summary>
    private static string? PlainDirectory(string realRoot, string directory)
    {
        if (directory is "" or "." or ".." || directory.Contains('/', StringComparison.Ordinal) || directory.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var below = realRoot.TrimEnd('/') + "/" + directory;
        return Posix.FileType(below, followLinks: false, out var type) == 0 && type == Posix.Directory ? below : null;
    }

    /// <param name="type">The file-type bits of its mode (<see cref="Posix.TypeMask"/>).</param>
    private static string? NotAFile(int type) => type switch
    {
        Posix.RegularFile => null,
        Posix.Directory => "is a directory, not a file: not read",
        0x1000 => "is a FIFO (named pipe), not a file: not opened",
        0xC000 => "is a socket, not a file: not opened",
        0x2000 => "is a character device, not a file: not opened",
        0x6000 => "is a block device, not a file: not opened",
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

/// <summary>
/// A directory whose real path (every link resolved) is asked for only when a file is found in it, and then once:
/// an agent in question has usually left no file, and <c>realpath(3)</c> is a readlink(2) per component.
/// </summary>
internal sealed class RealDirectory(string path)
{
    private string? _real;

    /// <summary>The real path; null when it no longer resolves.</summary>
    public string? Path => _real ??= Posix.RealPath(path);
}
