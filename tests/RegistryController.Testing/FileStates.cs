namespace RegistryController.Testing;

/// <summary>The bytes and modification time of every file under a directory, to prove that nothing was written.</summary>
public sealed class FileStates
{
    private readonly Dictionary<string, (byte[] Bytes, DateTime Modified)> _files;

    private FileStates(Dictionary<string, (byte[] Bytes, DateTime Modified)> files) => _files = files;

    public int Count => _files.Count;

    public static FileStates Capture(string root) => new(
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(p => p, p => (RegistryJson.ReadBytes(p), File.GetLastWriteTimeUtc(p)), StringComparer.Ordinal));

    /// <summary>The files whose bytes or mtime differ from <paramref name="later"/> (or exist on one side only).</summary>
    public IReadOnlyList<string> ChangedIn(FileStates later)
    {
        ArgumentNullException.ThrowIfNull(later);
        var changed = new List<string>();
        foreach (var path in _files.Keys.Union(later._files.Keys).Order(StringComparer.Ordinal))
        {
            if (!_files.TryGetValue(path, out var before) || !later._files.TryGetValue(path, out var after))
            {
                changed.Add(path + " (added or removed)");
            }
            else if (!before.Bytes.AsSpan().SequenceEqual(after.Bytes))
            {
                changed.Add(path + " (bytes)");
            }
            else if (before.Modified != after.Modified)
            {
                changed.Add(path + " (mtime)");
            }
        }

        return changed;
    }
}
