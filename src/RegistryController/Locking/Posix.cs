using System.Runtime.InteropServices;

namespace RegistryController.Locking;

/// <summary>
/// The two calls Mono.Posix lacks. flock is called directly rather than through FileStream's
/// FileShare locking because <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1</c> silently turns that off,
/// and a lock that can vanish by environment is no lock for a file another program writes.
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
