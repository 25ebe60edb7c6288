using System.Globalization;

namespace RegistryController.Locking;

/// <summary>
/// Names the processes holding a flock on a file, from <c>/proc/locks</c>, so that a lock timeout
/// can say who to look at instead of only that something was in the way.
/// </summary>
internal static class LockHolders
{
    internal static string Describe(ulong inode)
    {
        try
        {
            var holders = new List<string>();
            foreach (var line in File.ReadLines("/proc/locks"))
            {
                // "1: FLOCK  ADVISORY  WRITE 12345 08:01:1234567 0 EOF"; blocked waiters carry "->".
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 6 || fields[1] != "FLOCK")
                {
                    continue;
                }

                var device = fields[5].Split(':');
                if (device.Length == 3 && ulong.TryParse(device[2], NumberStyles.None, CultureInfo.InvariantCulture, out var held) && held == inode)
                {
                    var pid = fields[4];
                    var comm = TryRead($"/proc/{pid}/comm")?.Trim() ?? "?";
                    holders.Add($"pid {pid} ({comm}, {fields[3].ToLowerInvariant()} lock)");
                }
            }

            return holders.Count == 0 ? "holder unknown" : "held by " + string.Join(", ", holders.Distinct());
        }
        catch (IOException)
        {
            return "holder unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "holder unknown";
        }
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
