using RegistryController.Locking;

namespace RegistryController.Tests.Locking;

/// <summary>
/// The real path of a file below a resolved directory, on real files: given only when no step is a link and the last
/// is a regular file, so that whatever else stands there is resolved in full, and judged, by the caller.
/// </summary>
public sealed class PosixTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public PosixTests()
    {
        Directory.CreateDirectory(_temp.Combine("task", "logs"));
        File.WriteAllText(_temp.Combine("task", "logs", "a.jsonl"), "{}\n");
    }

    private string Root => Posix.RealPath(_temp.Path)!;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_file_below_plain_directories_is_its_real_path()
    {
        Assert.Equal(Path.Combine(Root, "task", "logs", "a.jsonl"), Posix.RealPathBelow(Root, "task/logs/a.jsonl"));
    }

    [Fact]
    public void A_link_at_any_step_is_left_to_the_full_resolution()
    {
        Directory.CreateSymbolicLink(_temp.Combine("linked"), _temp.Combine("task"));
        File.CreateSymbolicLink(_temp.Combine("task", "logs", "b.jsonl"), _temp.Combine("task", "logs", "a.jsonl"));

        Assert.Null(Posix.RealPathBelow(Root, "linked/logs/a.jsonl"));
        Assert.Null(Posix.RealPathBelow(Root, "task/logs/b.jsonl"));
    }

    [Fact]
    public void A_directory_a_missing_file_or_a_step_up_is_left_to_the_full_resolution()
    {
        Assert.Null(Posix.RealPathBelow(Root, "task/logs"));
        Assert.Null(Posix.RealPathBelow(Root, "task/logs/missing.jsonl"));
        Assert.Null(Posix.RealPathBelow(Root, "task/../task/logs/a.jsonl"));
    }
}
