using System.Diagnostics;
using System.Globalization;
using Mono.Unix.Native;
using RegistryController.Tmux;

namespace RegistryController.Tests.Tmux;

/// <summary>
/// When tmux cannot be asked, the view says whether "no server" is believable (its socket directory
/// exists) or whether the view is broken, and why, in words a person can act on.
/// </summary>
public class TmuxViewFailureTests
{
    private static string UniqueSocketName() => $"registryctl-test-{Guid.NewGuid():N}";

    private static Task<TmuxView> ViewAsync(TmuxOptions options) => new TmuxCliViewSource(options).GetViewAsync(CancellationToken.None);

    [Fact]
    public async Task A_server_that_was_killed_is_no_server_with_tmuxs_own_words_as_evidence()
    {
        var tmux = await TmuxTestServer.StartAsync(["agent_one"]);
        await using (tmux)
        {
            // kill-server returns before the server has exited; until then a client hears "server exited unexpectedly".
            var serverPid = int.Parse((await tmux.Server.RunAsync(["display-message", "-p", "#{pid}"])).StandardOutput, CultureInfo.InvariantCulture);
            await tmux.Server.KillServerAsync();
            Assert.Empty(await ProcessProbe.WaitUntilGoneAsync([serverPid], TimeSpan.FromSeconds(10)));
            Assert.True(File.Exists(tmux.SocketPath), "tmux 3.3a leaves its socket file behind when killed");

            var view = await ViewAsync(tmux.Options);

            Assert.True(view.Status == TmuxViewStatus.NoServer, $"{view.Status}: {view.Detail}");
            Assert.Empty(view.Sessions);
            Assert.Contains($"no server running on {tmux.SocketPath}", view.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_socket_path_never_used_in_an_existing_directory_is_no_server()
    {
        using var temp = new TempDirectory();
        var socket = temp.Combine("never-used.sock");

        var view = await ViewAsync(new TmuxOptions { Socket = socket });

        Assert.True(view.Status == TmuxViewStatus.NoServer, $"{view.Status}: {view.Detail}");
        Assert.Contains(socket, view.Detail, StringComparison.Ordinal);
        Assert.Contains(temp.Path, view.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socket_name_in_a_fresh_socket_directory_is_no_server()
    {
        using var temp = new TempDirectory();
        var name = UniqueSocketName();

        var view = await ViewAsync(new TmuxOptions { SocketName = name, TmpDir = temp.Path });

        Assert.True(view.Status == TmuxViewStatus.NoServer, $"{view.Status}: {view.Detail}");
        Assert.Contains(Path.Combine(temp.Path, $"tmux-{Syscall.getuid()}", name), view.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_tmux_binary_is_a_broken_view_naming_the_binary()
    {
        using var temp = new TempDirectory();
        var binary = temp.Combine("no-such-dir", "tmux");

        var view = await ViewAsync(new TmuxOptions { Binary = binary, Socket = temp.Combine("tmux.sock") });

        Assert.True(view.Status == TmuxViewStatus.Broken, $"{view.Status}: {view.Detail}");
        Assert.Contains(binary, view.Detail, StringComparison.Ordinal);
        Assert.Contains("could not be started", view.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tmux_that_hangs_is_a_broken_view_within_its_timeout_and_is_killed()
    {
        // The fake forks a child as a real hang might: the whole tree must go, or its pipes keep the call waiting.
        using var hang = new FakeTmux(file => $"echo $$ > '{file("pid")}'\nsleep 60 &\necho $! > '{file("child")}'\nwait");
        using var temp = new TempDirectory();
        var options = new TmuxOptions { Binary = hang.Binary, Socket = temp.Combine("tmux.sock"), Timeout = TimeSpan.FromSeconds(1) };

        var stopwatch = Stopwatch.StartNew();
        var view = await ViewAsync(options);
        stopwatch.Stop();

        Assert.True(view.Status == TmuxViewStatus.Broken, $"{view.Status}: {view.Detail}");
        Assert.Contains("did not answer within 1 s", view.Detail, StringComparison.Ordinal);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        var pids = new[] { "pid", "child" }.Select(f => int.Parse(File.ReadAllText(hang.PathOf(f)), CultureInfo.InvariantCulture)).ToArray();
        Assert.Empty(await ProcessProbe.WaitUntilGoneAsync(pids, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_tmux_that_prints_garbage_is_a_broken_view_quoting_the_offending_line()
    {
        using var garbage = new FakeTmux("echo 'Welcome to tmux!'\necho 'this is not a pane listing'\nexit 0");
        using var temp = new TempDirectory();

        var view = await ViewAsync(new TmuxOptions { Binary = garbage.Binary, Socket = temp.Combine("tmux.sock") });

        Assert.True(view.Status == TmuxViewStatus.Broken, $"{view.Status}: {view.Detail}");
        Assert.Contains("line 1", view.Detail, StringComparison.Ordinal);
        Assert.Contains("Welcome to tmux!", view.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exit 0")]
    [InlineData("echo 'tmux: lost server' >&2\nexit 0")]
    [InlineData("printf '\\n  \\n'\nexit 0")]
    public async Task A_tmux_that_exits_0_listing_nothing_is_a_broken_view_not_a_server_without_sessions(string body)
    {
        // A wrapper that swallows tmux's exit code looks like this; believed, it made every agent a zombie.
        using var silent = new FakeTmux(body);
        using var temp = new TempDirectory();

        var view = await ViewAsync(new TmuxOptions { Binary = silent.Binary, Socket = temp.Combine("tmux.sock") });

        Assert.True(view.Status == TmuxViewStatus.Broken, $"{view.Status}: {view.Detail}");
        Assert.Contains("listed no pane at all", view.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2 4242 1760000000 agent_a")]
    [InlineData("0 pid 1760000000 agent_a")]
    [InlineData("0 4242 yesterday agent_a")]
    [InlineData("0 4242 1760000000")]
    [InlineData("0 4242 1760000000 ")]
    public async Task A_line_that_is_almost_a_pane_listing_still_breaks_the_view(string line)
    {
        using var garbage = new FakeTmux($"echo '0 4242 1760000000 agent_ok'\necho '{line}'");
        using var temp = new TempDirectory();

        var view = await ViewAsync(new TmuxOptions { Binary = garbage.Binary, Socket = temp.Combine("tmux.sock") });

        Assert.True(view.Status == TmuxViewStatus.Broken, $"{view.Status}: {view.Detail}");
        Assert.Contains("line 2", view.Detail, StringComparison.Ordinal);
        Assert.Empty(view.Sessions);
    }

    [Fact]
    public async Task A_tmux_error_that_is_not_about_a_missing_server_is_a_broken_view_quoting_it()
    {
        using var failing = new FakeTmux("echo 'open terminal failed: not a terminal' >&2\nexit 1");
        using var temp = new TempDirectory();

        var view = await ViewAsync(new TmuxOptions { Binary = failing.Binary, Socket = temp.Combine("tmux.sock") });

        Assert.True(view.Status == TmuxViewStatus.Broken, $"{view.Status}: {view.Detail}");
        Assert.Contains("exited with code 1: open terminal failed: not a terminal", view.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_TMUX_TMPDIR_is_a_broken_view_not_tmuxs_silent_fallback_to_tmp()
    {
        using var temp = new TempDirectory();
        var missing = temp.Combine("missing");

        var view = await ViewAsync(new TmuxOptions { SocketName = UniqueSocketName(), TmpDir = missing });

        Assert.True(view.Status == TmuxViewStatus.Broken, $"{view.Status}: {view.Detail}");
        Assert.Contains($"TMUX_TMPDIR={missing}", view.Detail, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task A_socket_directory_with_unsafe_permissions_is_a_broken_view()
    {
        using var temp = new TempDirectory();
        var socketDirectory = temp.Combine($"tmux-{Syscall.getuid()}");
        Directory.CreateDirectory(socketDirectory);
        Assert.Equal(0, Syscall.chmod(socketDirectory, FilePermissions.ACCESSPERMS));

        var view = await ViewAsync(new TmuxOptions { SocketName = UniqueSocketName(), TmpDir = temp.Path });

        Assert.True(view.Status == TmuxViewStatus.Broken, $"{view.Status}: {view.Detail}");
        Assert.Contains($"directory {socketDirectory} has unsafe permissions", view.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socket_path_in_a_directory_that_does_not_exist_is_a_broken_view()
    {
        using var temp = new TempDirectory();
        var directory = temp.Combine("no-such-dir");

        var view = await ViewAsync(new TmuxOptions { Socket = Path.Combine(directory, "tmux.sock") });

        Assert.True(view.Status == TmuxViewStatus.Broken, $"{view.Status}: {view.Detail}");
        Assert.Contains($"the socket directory {directory} does not exist", view.Detail, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory));
    }
}
