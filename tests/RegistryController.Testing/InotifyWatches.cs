using System.Globalization;
using Mono.Unix.Native;

namespace RegistryController.Testing;

/// <summary>
/// What this process's inotify instances watch, read from <c>/proc/self/fdinfo</c> (one <c>inotify wd:… ino:…</c> line
/// per watch): whether a directory is watched, by its inode, whoever in the process set the watch.
/// </summary>
public static class InotifyWatches
{
    /// <summary>Whether any inotify instance of this process watches <paramref name="directory"/> itself.</summary>
    public static bool Watches(string directory)
    {
        if (Syscall.stat(directory, out var stat) != 0)
        {
            throw new IOException($"stat {directory}: {Stdlib.GetLastError()}");
        }

        return WatchedInodes().Contains(stat.st_ino);
    }

    private static HashSet<ulong> WatchedInodes()
    {
        var inodes = new HashSet<ulong>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            string[] lines;
            try
            {
                if (new FileInfo(fd).LinkTarget != "anon_inode:inotify")
                {
                    continue;
                }

                lines = File.ReadAllLines(Path.Combine("/proc/self/fdinfo", Path.GetFileName(fd)));
            }
            catch (IOException)
            {
                // Closed since listed: it watches nothing now.
                continue;
            }

            foreach (var line in lines.Where(l => l.StartsWith("inotify ", StringComparison.Ordinal)))
            {
                var ino = line.Split(' ').First(f => f.StartsWith("ino:", StringComparison.Ordinal))["ino:".Length..];
                inodes.Add(ulong.Parse(ino, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return inodes;
    }
}
