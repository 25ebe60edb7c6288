using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace RegistryController.Locking;

/// <summary>
/// The calls Mono.Posix lacks, or makes costly. flock is called directly rather than through FileStream's
/// FileShare locking because <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1</c> silently turns that off,
/// and a lock that can vanish by environment is no lock for a file another program writes. A look at a
/// path (<see cref="FileType(string, bool, out int)"/>) and an open that refuses every link (<see cref="OpenWithoutLinks"/>) are
/// asked thousands of times a pass: Mono.Posix marshals each path through the heap, these through the stack.
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

    internal const int ENoEnt = 2;
    internal const int ENotDir = 20;
    internal const int EInval = 22;

    /// <summary>The file-type bits of a mode (<c>S_IFMT</c>) and the types asked about.</summary>
    internal const int TypeMask = 0xF000;
    internal const int RegularFile = 0x8000;
    internal const int Directory = 0x4000;
    internal const int SymbolicLink = 0xA000;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;

    /// <summary>
    /// The type of what stands at <paramref name="path"/> (<see cref="TypeMask"/> bits of its mode): 0 with the type, or
    /// the errno. <c>statx(2)</c>, whose buffer is the same on every architecture.
    /// </summary>
    /// <param name="followLinks">False: a link's own type (lstat); true: its target's (stat).</param>
    internal static int FileType(string path, bool followLinks, out int type)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            // The C string would end there: a look at a shorter path than the one asked.
            type = 0;
            return EInval;
        }

        if (Statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxType, out var buffer) != 0)
        {
            type = 0;
            return Marshal.GetLastPInvokeError();
        }

        type = buffer.Mode & TypeMask;
        return 0;
    }

    /// <summary><see cref="FileType(string, bool, out int)"/> of a path not made a string: most looks find nothing there.</summary>
    internal static int FileType(ReadOnlySpan<char> path, bool followLinks, out int type)
    {
        if (path.Contains('\0'))
        {
            type = 0;
            return EInval;
        }

        var length = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        byte[]? rented = null;
        var bytes = length <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(path, bytes);
            bytes[written] = 0;
            if (Statx(AtFdCwd, bytes[..(written + 1)], followLinks ? 0 : AtSymlinkNoFollow, StatxType, out var buffer) != 0)
            {
                type = 0;
                return Marshal.GetLastPInvokeError();
            }

            type = buffer.Mode & TypeMask;
            return 0;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, out StatxBuffer buffer);

    /// <param name="path">NUL-terminated UTF-8.</param>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int Statx(int directory, ReadOnlySpan<byte> path, int flags, uint mask, out StatxBuffer buffer);

    /// <summary>Of <c>struct statx</c> (256 bytes), the mode.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)]
        public ushort Mode;
    }

    // openat2(2) (Linux 5.6) has no glibc wrapper; its number is the same on every architecture (the generic table's).
    private const int SysOpenat2 = 437;
    private const ulong ResolveNoMagicLinks = 0x02;
    private const ulong ResolveNoSymlinks = 0x04;

    // Set once the kernel (or a seccomp filter) has refused openat2 itself: the caller's other way is then the only one.
    private static volatile bool s_openat2Refused;

    /// <summary>
    /// Opens <paramref name="path"/> only if no component of it, the last included, is a symbolic link: one system
    /// call that walks the path once, instead of resolving every component first. The descriptor, or -1 with the errno
    /// (<c>ELOOP</c>: a link on the way; <c>ENOSYS</c>: no openat2 here).
    /// </summary>
    /// <param name="flags">Native <c>open(2)</c> flags.</param>
    internal static int OpenWithoutLinks(string path, int flags, out int errno)
    {
        if (s_openat2Refused)
        {
            errno = ENoSys;
            return -1;
        }

        var how = new OpenHow { Flags = (ulong)(uint)flags, Resolve = ResolveNoSymlinks | ResolveNoMagicLinks };
        var fd = Openat2(SysOpenat2, AtFdCwd, path, ref how, (nuint)Marshal.SizeOf<OpenHow>());
        if (fd >= 0)
        {
            errno = 0;
            return (int)fd;
        }

        errno = Marshal.GetLastPInvokeError();
        if (errno == ENoSys)
        {
            // A kernel before 5.6, or a seccomp profile that does not know the call (EPERM from such a profile is
            // not remembered: an immutable file says EPERM too, and the caller's other way answers both).
            s_openat2Refused = true;
        }

        return -1;
    }

    private const int ENoSys = 38;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint Openat2(nint number, nint directory, string path, ref OpenHow how, nuint size);

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }
}
