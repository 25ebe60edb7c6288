using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace RegistryController.Locking;

/// <summary>
/// The two calls Mono.Posix lacks. flock is called directly rather than through FileStream's
/// FileShare locking because <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1</c> silently turns that off,
/// and a lock that can vanish by environment is no lock for a file another program writes. Beside
/// them, the real path of a file below an already resolved directory, found cheaply when no link is on the way.
/// </summary>
internal static partial class Posix
{
    internal const int LockShared = 1;
    internal const int LockExclusive = 2;
    internal const int LockNonBlocking = 4;
    internal const int LockUnlock = 8;
    internal const int EWouldBlock = 11;
    internal const int EIntr = 4;

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPathNative(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    internal const int ELoop = 40;

    /// <summary>
    /// <paramref name="realRoot"/>/<paramref name="relative"/> when each step below the root is a directory and the
    /// last a regular file, none of them a link: then that is the file's real path, inside the root, found with one
    /// <c>lstat(2)</c> a step, where <c>realpath</c> reads every component from <c>/</c> (a <c>readlink(2)</c> each: 6 % of
    /// a health pass over 1,000 zombies). Null for anything else, which the caller resolves in full and judges.
    /// </summary>
    /// <param name="realRoot">A path with every link resolved (<see cref="RealPath(string)"/>).</param>
    internal static string? RealPathBelow(string realRoot, string relative)
    {
        var steps = relative.Split('/');
        var current = realRoot;
        for (var i = 0; i < steps.Length; i++)
        {
            if (steps[i] is "" or "." or "..")
            {
                return null;
            }

            current = current.TrimEnd('/') + "/" + steps[i];
            var wanted = i == steps.Length - 1 ? FilePermissions.S_IFREG : FilePermissions.S_IFDIR;
            if (Syscall.lstat(current, out var step) != 0 || (step.st_mode & FilePermissions.S_IFMT) != wanted)
            {
                return null;
            }
        }

        return current;
    }

    /// <summary>The canonical path with every link resolved, or null when it does not exist.</summary>
    internal static string? RealPath(string path) => RealPath(path, out _);

    /// <summary>The canonical path with every link resolved, or null with realpath's errno.</summary>
    internal static string? RealPath(string path, out int errno)
    {
        var pointer = RealPathNative(path, IntPtr.Zero);
        if (pointer == IntPtr.Zero)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;

        try
        {
            return Marshal.PtrToStringUTF8(pointer);
        }
        finally
        {
            Free(pointer);
        }
    }
}
