using Mono.Unix.Native;
using RegistryController.Locking;

namespace RegistryController.Tests.Locking;

/// <summary>
/// The two looks at a path the hot paths make thousands of times a pass, against real files: what stands there, and
/// an open that refuses every link on the way.
/// </summary>
public class PosixTests
{
    [Fact]
    public void The_type_of_a_file_a_directory_and_a_fifo_is_what_stands_there()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("file"), "{}");
        Assert.Equal(0, Syscall.mkfifo(temp.Combine("fifo"), FilePermissions.S_IRUSR | FilePermissions.S_IWUSR));

        Assert.Equal((0, Posix.RegularFile), Look(temp.Combine("file"), followLinks: false));
        Assert.Equal((0, Posix.Directory), Look(temp.Path, followLinks: false));
        Assert.Equal((0, 0x1000), Look(temp.Combine("fifo"), followLinks: false));
    }

    [Fact]
    public void A_link_is_a_link_unless_followed_and_then_it_is_its_target()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("target"));
        Directory.CreateSymbolicLink(temp.Combine("link"), temp.Combine("target"));

        Assert.Equal((0, Posix.SymbolicLink), Look(temp.Combine("link"), followLinks: false));
        Assert.Equal((0, Posix.Directory), Look(temp.Combine("link"), followLinks: true));
    }

    [Fact]
    public void Nothing_there_is_ENOENT_and_a_file_taken_for_a_directory_is_ENOTDIR()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("file"), "{}");

        Assert.Equal(Posix.ENoEnt, Look(temp.Combine("missing"), followLinks: false).Errno);
        Assert.Equal(Posix.ENotDir, Look(temp.Combine("file", "below"), followLinks: false).Errno);
    }

    [Fact]
    public void A_path_with_a_NUL_is_looked_at_not_at_all_rather_than_cut_short()
    {
        using var temp = new TempDirectory();

        Assert.Equal(22, Look(temp.Path + "\0/anything", followLinks: false).Errno);
        Assert.Equal(22, Posix.FileType((temp.Path + "\0/anything").AsSpan(), followLinks: false, out _));
    }

    [Fact]
    public void A_path_without_links_opens_to_its_file()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("registry.json"), "{}");

        var fd = Posix.OpenWithoutLinks(temp.Combine("registry.json"), NativeConvert.FromOpenFlags(OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC), out var errno);
        try
        {
            Assert.True(fd >= 0, $"errno {errno}");
            Assert.Equal(0, Syscall.fstat(fd, out var opened));
            Assert.Equal(0, Syscall.stat(temp.Combine("registry.json"), out var named));
            Assert.Equal(named.st_ino, opened.st_ino);
        }
        finally
        {
            _ = Syscall.close(fd);
        }
    }

    [Theory]
    [InlineData("link-to-file")]
    [InlineData("link-to-directory/registry.json")]
    public void A_link_anywhere_on_the_path_refuses_the_open_with_ELOOP(string relative)
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("directory"));
        File.WriteAllText(temp.Combine("directory", "registry.json"), "{}");
        File.CreateSymbolicLink(temp.Combine("link-to-file"), temp.Combine("directory", "registry.json"));
        Directory.CreateSymbolicLink(temp.Combine("link-to-directory"), temp.Combine("directory"));

        var fd = Posix.OpenWithoutLinks(temp.Combine(relative), NativeConvert.FromOpenFlags(OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC), out var errno);

        Assert.Equal(-1, fd);
        Assert.Equal(Posix.ELoop, errno);
    }

    private static (int Errno, int Type) Look(string path, bool followLinks)
    {
        var errno = Posix.FileType(path, followLinks, out var type);
        return (errno, type);
    }
}
